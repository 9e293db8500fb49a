package io.github.camelllm.observe;

import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.cost.SpendListener;
import io.github.camelllm.flow.CallGate;
import io.github.camelllm.flow.CallSlots;
import io.github.camelllm.flow.RateLimitStats;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.openai.CallOutcomes;
import io.github.camelllm.openai.CallState;
import io.github.camelllm.run.ResultListener;
import io.github.camelllm.run.Run;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

/**
 * Seeing one pipeline's runs while they go: counts every final result ({@link ResultListener}) and every attempt
 * (the chat client's {@link CallOutcomes}, on their way to the gate), samples the active runs once a second for
 * their progress and rate, logs that progress at {@code llm.progress.interval-ms}, keeps the Micrometer meters
 * and, when {@code llm.management.port} is set, serves the management endpoints (the health ones answer from the
 * context's Camel health checks, the pipeline's own readiness among them) and the status page. A Camel service:
 * it starts and stops with the context.
 */
public final class PipelineObserver extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineObserver.class);
    /** Finished runs the status page shows. */
    private static final int RECENT = 20;
    /** Seconds of history the status page's chart shows. */
    private static final int HISTORY = 300;

    private final CamelContext context;
    private final PipelineConfig config;
    private final RunRegistry runs;
    private final CallGate gate;
    private final CallSlots slots;
    private final RateLimitStats rateLimits;
    private final ScheduledExecutorService timer;
    private final PipelineMetrics metrics;
    private final PrometheusMeterRegistry prometheus;

    private final Map<String, RunWatch> watches = new ConcurrentHashMap<>();
    private final Map<String, Path> inputs = new ConcurrentHashMap<>();
    /** The base names of the runs' outbox files, by run id. */
    private final Map<String, String> outboxNames = new ConcurrentHashMap<>();
    private final Deque<RunProgress> recent = new ArrayDeque<>();
    private final Map<String, Path> recentInputs = new ConcurrentHashMap<>();
    private final Set<Path> followed = ConcurrentHashMap.newKeySet();
    private final Deque<Map<String, Object>> history = new ArrayDeque<>();
    private final LongAdder results = new LongAdder();
    private final LongAdder latencyMs = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder retries = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private long lastResults;
    private long lastLatency;
    private long lastAnswered;
    private ScheduledFuture<?> sampler;
    private ManagementServer server;

    public PipelineObserver(CamelContext context, PipelineConfig config, RunRegistry runs, CallGate gate,
                            CallSlots slots, RateLimitStats rateLimits, ScheduledExecutorService timer) {
        this.context = context;
        this.config = config;
        this.runs = runs;
        this.gate = gate;
        this.slots = slots;
        this.rateLimits = rateLimits;
        this.timer = timer;
        MeterRegistry host = config.observe().metricsEnabled() ? hostRegistry(context) : null;
        this.prometheus = config.observe().metricsEnabled() && config.observe().serves()
                ? host instanceof PrometheusMeterRegistry own ? own
                : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
                : null;
        MeterRegistry target = host;
        if (prometheus != null && prometheus != host) {
            if (host == null) {
                target = prometheus;
            } else {
                CompositeMeterRegistry both = new CompositeMeterRegistry();
                both.add(host);
                both.add(prometheus);
                target = both;
            }
        }
        this.metrics = target == null ? null : new PipelineMetrics(target, config.name(), gauges(), gate::headroom);
    }

    /** The host's meter registry, when it binds one (a composite one when it binds several). */
    private static MeterRegistry hostRegistry(CamelContext context) {
        Set<MeterRegistry> bound = context.getRegistry().findByType(MeterRegistry.class);
        if (bound.size() <= 1) {
            return bound.isEmpty() ? null : bound.iterator().next();
        }
        return bound.stream().filter(r -> r instanceof CompositeMeterRegistry).findFirst()
                .orElse(bound.iterator().next());
    }

    private PipelineMetrics.Gauges gauges() {
        return new PipelineMetrics.Gauges(o -> slots.inUse(), o -> queued(), o -> runs.activeRuns(),
                o -> gate.outage() ? 1 : 0, o -> gate.faulted() ? 1 : 0, o -> rateLimits.throttledMillis() / 1000.0,
                o -> runs.active().stream().mapToInt(Run::batchJobs).sum());
    }

    /** Prompts handed on that hold no call slot yet. */
    private long queued() {
        long pending = 0;
        for (Run run : runs.active()) {
            pending += run.pending();
        }
        return Math.max(0, pending - slots.inUse());
    }

    /**
     * What the chat client reports each attempt to: the gate itself, or, when anything reads the calls (meters, the
     * status page), the gate behind a step that counts them.
     */
    public CallOutcomes calls(CallOutcomes gateOutcomes) {
        if (metrics == null && !config.observe().serves()) {
            return gateOutcomes;
        }
        return new ObservedCalls(gateOutcomes, this);
    }

    void attempt(CallState call, long nanos, ApiFailure failure) {
        if (metrics != null) {
            metrics.attempt(call.request().model(), nanos, failure);
        }
        if (failure != null && failure.kind() == ApiFailure.Kind.RATE_LIMITED) {
            rateLimited.increment();
        }
    }

    void unanswered(CallState call, long nanos) {
        if (metrics != null) {
            metrics.unanswered(call.request().model(), nanos);
        }
    }

    /**
     * Where the runs' ledgers report what each answer cost: the cost meter, when there are meters (else nobody).
     */
    public SpendListener spending() {
        return metrics == null ? SpendListener.NONE : metrics::spent;
    }

    /**
     * The Batch API meters read the pipeline's batch jobs: how many of the active runs' jobs stand at each of
     * {@code openStatuses} now ({@code open}), how many batches ended with each of {@code endStatuses}
     * ({@code ended}).
     */
    public void watchBatches(List<String> openStatuses, ToLongFunction<String> open, List<String> endStatuses,
                             ToLongFunction<String> ended) {
        if (metrics != null) {
            metrics.batchJobs(openStatuses, open, endStatuses, ended);
        }
    }

    /** Told of every final result once it is journaled. */
    public ResultListener results() {
        return this::recorded;
    }

    private void recorded(PromptResult result, Exchange exchange) {
        RunWatch watch = watches.get(result.runId());
        if (watch == null) {
            watch = watches.computeIfAbsent(result.runId(), this::watch);
        }
        watch.count(result);
        results.increment();
        if (result.attempts() > 1) {
            retries.add(result.attempts() - 1);
        }
        if (PromptRequest.REALTIME.equals(result.route()) && !PromptResult.INVALID.equals(result.status())) {
            latencyMs.add(result.latencyMs());
            answered.increment();
        }
        if (metrics != null) {
            CallState call = exchange.getProperty(CallState.PROPERTY, CallState.class);
            metrics.result(result, call != null ? call.request().model() : config.api().model());
        }
    }

    private RunWatch watch(String runId) {
        Run run = runs.find(runId);
        if (run != null && run.input() != null) {
            inputs.put(runId, run.input().toAbsolutePath().normalize());
            outboxNames.put(runId, run.name());
        }
        return new RunWatch(runId);
    }

    // --- the service -----------------------------------------------------------------------------------------

    @Override
    protected void doStart() throws Exception {
        sampler = timer.scheduleAtFixedRate(this::sampleQuietly, 1, 1, TimeUnit.SECONDS);
        if (config.observe().serves()) {
            try {
                server = new ManagementServer(config.observe().managementHost(), config.observe().managementPort(),
                        config.name(), context, prometheus, this::statusJson);
            } catch (BindException e) {
                String key = "llm." + ("llm".equals(config.name()) ? "" : config.name() + ".") + "management.port";
                throw new IllegalStateException("pipeline " + config.name() + ": the management port "
                        + config.observe().managementHost() + ":" + config.observe().managementPort()
                        + " is in use (another instance on this machine?): set " + key + " to a free port, 0 for "
                        + "any free port, or -1 to serve no health, metrics and status page", e);
            }
            LOG.info("Pipeline {}: health, metrics and the status page on http://{}:{}/ (/observe/health, "
                    + "/observe/metrics)", config.name(), config.observe().managementHost(), server.port());
        }
    }

    @Override
    protected void doStop() {
        if (sampler != null) {
            sampler.cancel(false);
        }
        if (server != null) {
            server.close();
            server = null;
        }
    }

    /** The port of the management endpoints; -1 when none are served. */
    public int managementPort() {
        ManagementServer s = server;
        return s == null ? -1 : s.port();
    }

    // --- sampling ----------------------------------------------------------------------------------------------

    private void sampleQuietly() {
        try {
            sample();
        } catch (RuntimeException e) {
            LOG.debug("progress sample failed", e);
        }
    }

    /** Once a second: each active run's rate, the progress lines due, the runs that ended, the chart's point. */
    synchronized void sample() {
        long now = System.nanoTime();
        long interval = config.observe().progressInterval().toNanos();
        for (Run run : runs.active()) {
            RunWatch watch = watches.computeIfAbsent(run.id(), this::watch);
            watch.sample(run, now);
            if (interval > 0 && (run.input() == null || !followed.contains(inputs.get(run.id())))
                    && watch.logDue(now, interval)) {
                LOG.info("progress {}", progress(watch, run).line());
            }
        }
        for (RunWatch watch : List.copyOf(watches.values())) {
            if (runs.find(watch.runId) == null) {
                ended(watch);
            }
        }
        long total = results.sum();
        long latency = latencyMs.sum();
        long count = answered.sum();
        Map<String, Object> point = new LinkedHashMap<>();
        point.put("t", System.currentTimeMillis());
        point.put("rate", total - lastResults);
        point.put("latencyMs", count == lastAnswered ? null : (latency - lastLatency) / (count - lastAnswered));
        point.put("inFlight", slots.inUse());
        point.put("rateLimited", rateLimited.sum());
        point.put("retries", retries.sum());
        lastResults = total;
        lastLatency = latency;
        lastAnswered = count;
        history.addLast(point);
        while (history.size() > HISTORY) {
            history.removeFirst();
        }
    }

    /** A run is no longer active here: its last progress goes to the recent runs. */
    private void ended(RunWatch watch) {
        CompletableFuture<RunSummary> completion = runs.completionOf(watch.runId);
        if (completion != null && !completion.isDone()) {
            return; // its outputs are being written: it completes in a moment
        }
        watches.remove(watch.runId);
        Path input = inputs.remove(watch.runId);
        if (completion == null) {
            outboxNames.remove(watch.runId);
            return; // not a run of this process
        }
        RunSummary summary = completion.isCompletedExceptionally() ? null : completion.getNow(null);
        if (metrics != null) {
            metrics.runFinished(summary != null);
        }
        RunProgress last;
        if (summary != null) {
            last = new RunProgress(watch.runId, summary.input(), summary.total(), summary.total(),
                    summary.succeeded(), summary.failed(), summary.invalid(), summary.retries(),
                    summary.rateLimits().rateLimitedAnswers(), 0, 0, summary.throughputRps(), 0,
                    summary.batchIds().size(), 0, summary.wallMs(), 0, RunProgress.COMPLETED, watch.errorTypes(),
                    summary.cost());
        } else {
            Run run = watch.run();
            long done = watch.ok.sum() + watch.error.sum() + watch.invalid.sum();
            last = new RunProgress(watch.runId, run == null ? watch.runId : displayName(run), -1, done,
                    watch.ok.sum(), watch.error.sum(), watch.invalid.sum(), watch.retries.sum(), 0, 0, 0, 0, 0, 0, 0,
                    run == null ? 0 : System.currentTimeMillis() - run.startedAtMillis(), -1, RunProgress.STOPPED,
                    watch.errorTypes(), run == null ? null : run.cost());
        }
        synchronized (recent) {
            recent.addFirst(last);
            if (input != null) {
                recentInputs.put(watch.runId, input);
            }
            while (recent.size() > RECENT) {
                String old = recent.removeLast().runId();
                recentInputs.remove(old);
                outboxNames.remove(old);
            }
        }
    }

    private RunProgress progress(RunWatch watch, Run run) {
        // the counts before the lines done: a result is counted in the run before it is counted here, so read in
        // this order the line never shows more ok/error/invalid than lines done
        long ok = watch.ok.sum();
        long error = watch.error.sum();
        long invalid = watch.invalid.sum();
        long done = run.resultsRecorded();
        long total = watch.total(run);
        double rate = watch.rate();
        long eta = total > 0 && rate > 0.01 ? (long) (Math.max(0, total - done) / rate * 1000) : -1;
        long untilNanos = rateLimits.throttledUntilNanos() - System.nanoTime();
        long throttledUntil = untilNanos > 0 ? System.currentTimeMillis() + untilNanos / 1_000_000 : 0;
        return new RunProgress(run.id(), displayName(run), total, done, ok, error, invalid, watch.retries.sum(),
                rateLimits.of(run.id()).rateLimitedAnswers(), run.pending(), slots.inUse(), rate, throttledUntil,
                run.batchJobs(), run.batchShardsWaiting(), System.currentTimeMillis() - run.startedAtMillis(), eta,
                RunProgress.RUNNING, watch.errorTypes(), run.cost());
    }

    private static String displayName(Run run) {
        return run.input() == null ? run.name() : run.input().getFileName().toString();
    }

    // --- what callers read ---------------------------------------------------------------------------------------

    /** Where each active run stands now. */
    public List<RunProgress> active() {
        List<RunProgress> list = new ArrayList<>();
        for (Run run : runs.active()) {
            RunWatch watch = watches.computeIfAbsent(run.id(), this::watch);
            list.add(progress(watch, run));
        }
        return list;
    }

    /** The runs that ended lately here, newest first. */
    public List<RunProgress> recent() {
        synchronized (recent) {
            return List.copyOf(recent);
        }
    }

    /** The run of this input file: active, or ended lately; empty when there is none. */
    public Optional<RunProgress> progressOf(Path file) {
        Path key = file.toAbsolutePath().normalize();
        for (Run run : runs.active()) {
            if (run.input() != null && run.input().toAbsolutePath().normalize().equals(key)) {
                return Optional.of(progress(watches.computeIfAbsent(run.id(), this::watch), run));
            }
        }
        sample(); // a run that ended since the last sample moves to the recent ones
        for (RunProgress done : recent()) {
            if (key.equals(recentInputs.get(done.runId()))) {
                return Optional.of(done);
            }
        }
        return Optional.empty();
    }

    /** Someone else shows this file's progress (the command line): the log leaves it out. */
    public void follow(Path file) {
        followed.add(file.toAbsolutePath().normalize());
    }

    /** What to do after a run in which something failed. */
    public List<String> nextSteps(RunProgress run) {
        String outboxName = outboxNames.get(run.runId());
        Path failed = outboxName == null ? null : config.output().outbox().resolve(outboxName + ".failed.jsonl");
        return NextSteps.of(run, config.names(), failed);
    }

    /** The status page's data: the pipeline's state, its active and recent runs, the last minutes' history. */
    public String statusJson() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("pipeline", config.name());
        status.put("model", config.api().model());
        status.put("now", System.currentTimeMillis());
        status.put("heldBy", gate.faulted() ? "fault" : gate.outage() ? "outage" : null);
        status.put("concurrency", config.calls().concurrency());
        status.put("inFlight", slots.inUse());
        status.put("queued", queued());
        status.put("throttledMs", rateLimits.throttledMillis());
        status.put("active", active());
        status.put("recent", recent());
        synchronized (this) {
            status.put("history", List.copyOf(history));
        }
        try {
            return Jackson.MAPPER.writeValueAsString(status);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
