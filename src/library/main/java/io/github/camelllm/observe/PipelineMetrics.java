package io.github.camelllm.observe;

import io.github.camelllm.flow.CallGate;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.openai.ApiFailure;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The pipeline's Micrometer meters. The calls are reported with OpenTelemetry's GenAI names, as Camel's own AI
 * observability does ({@code gen_ai.client.operation.duration}, {@code gen_ai.client.token.usage} with
 * {@code gen_ai.operation.name}, {@code gen_ai.provider.name}, {@code gen_ai.request.model},
 * {@code gen_ai.token.type}, {@code error.type}); the pipeline's own meters are named {@code llm.*}.
 * <p>
 * Every meter is built once, per model the first time it is seen: recording is a map lookup and an add, no tags
 * are made per call. Prometheus wants one set of label names per meter, so a call that succeeded carries
 * {@code error.type="none"}.
 */
final class PipelineMetrics {

    static final String OPERATION_DURATION = "gen_ai.client.operation.duration";
    static final String TOKEN_USAGE = "gen_ai.client.token.usage";

    private static final Duration[] DURATION_BUCKETS = {Duration.ofMillis(10), Duration.ofMillis(20),
        Duration.ofMillis(40), Duration.ofMillis(80), Duration.ofMillis(160), Duration.ofMillis(320),
        Duration.ofMillis(640), Duration.ofMillis(1280), Duration.ofMillis(2560), Duration.ofMillis(5120),
        Duration.ofMillis(10240), Duration.ofMillis(20480), Duration.ofMillis(40960), Duration.ofMillis(81920)};
    private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576,
        4194304};
    private static final String[] STATUSES = {PromptResult.OK, PromptResult.ERROR, PromptResult.INVALID};
    private static final String[] ROUTES = {PromptRequest.REALTIME, PromptRequest.BATCH, "none"};

    private final MeterRegistry registry;
    private final String pipeline;
    private final Function<String, CallGate.Headroom> headroom;
    private final Map<String, ModelMeters> models = new ConcurrentHashMap<>();
    /** What the answers cost, by model and route ({@code model + '\n' + route}). */
    private final Map<String, Spent> spent = new ConcurrentHashMap<>();
    private final Counter[][] prompts = new Counter[STATUSES.length][ROUTES.length];
    private final Counter retries;
    private final Counter runsCompleted;
    private final Counter runsStopped;

    /** The sources of the gauges, read when the registry is scraped. */
    record Gauges(ToDoubleFunction<Object> inFlight, ToDoubleFunction<Object> queued,
                  ToDoubleFunction<Object> activeRuns, ToDoubleFunction<Object> outageOpen,
                  ToDoubleFunction<Object> faultOpen, ToDoubleFunction<Object> throttledSeconds,
                  ToDoubleFunction<Object> batchJobs) {
    }

    PipelineMetrics(MeterRegistry registry, String pipeline, Gauges gauges,
                    Function<String, CallGate.Headroom> headroom) {
        this.registry = registry;
        this.pipeline = pipeline;
        this.headroom = headroom;
        Tags base = Tags.of("pipeline", pipeline);
        for (int s = 0; s < STATUSES.length; s++) {
            for (int r = 0; r < ROUTES.length; r++) {
                prompts[s][r] = Counter.builder("llm.prompts").description("Prompts with their final result")
                        .tags(base).tag("status", STATUSES[s]).tag("route", ROUTES[r]).register(registry);
            }
        }
        retries = Counter.builder("llm.retries").description("Attempts after a prompt's first").tags(base)
                .register(registry);
        runsCompleted = Counter.builder("llm.runs.finished").description("Runs that ended").tags(base)
                .tag("outcome", "completed").register(registry);
        runsStopped = Counter.builder("llm.runs.finished").description("Runs that ended").tags(base)
                .tag("outcome", "stopped").register(registry);
        // a gauge holds its object weakly: the meters object itself lives as long as the pipeline
        Object none = this;
        Gauge.builder("llm.calls.in_flight", none, gauges.inFlight()).description("Call slots taken")
                .tags(base).register(registry);
        Gauge.builder("llm.queue.depth", none, gauges.queued())
                .description("Prompts handed on that hold no call slot yet").tags(base).register(registry);
        Gauge.builder("llm.runs.active", none, gauges.activeRuns()).tags(base).register(registry);
        Gauge.builder("llm.breaker.open", none, gauges.outageOpen())
                .description("1 while the breaker holds the calls").tags(base).tag("breaker", "outage")
                .register(registry);
        Gauge.builder("llm.breaker.open", none, gauges.faultOpen())
                .description("1 while the breaker holds the calls").tags(base).tag("breaker", "fault")
                .register(registry);
        Gauge.builder("llm.batch.jobs.active", none, gauges.batchJobs())
                .description("Batch API jobs of the runs in progress").tags(base).register(registry);
        FunctionCounter.builder("llm.throttled", none, gauges.throttledSeconds()).baseUnit("seconds")
                .description("Wall time calls were held back by rate limits").tags(base).register(registry);
    }

    /** One attempt answered (failure null: a usable answer) after {@code nanos}. */
    void attempt(String model, long nanos, ApiFailure failure) {
        ModelMeters meters = meters(model);
        if (failure == null) {
            meters.ok.record(nanos, TimeUnit.NANOSECONDS);
        } else {
            meters.failed[failure.kind().ordinal()].record(nanos, TimeUnit.NANOSECONDS);
            if (failure.kind() == ApiFailure.Kind.RATE_LIMITED) {
                meters.rateLimited.increment();
            }
        }
    }

    /** One attempt that got no HTTP answer (refused, reset, timed out) after {@code nanos}. */
    void unanswered(String model, long nanos) {
        meters(model).unanswered.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** A prompt's final result; {@code model} the model it asked (null: not known here). */
    void result(PromptResult result, String model) {
        int s = result.ok() ? 0 : PromptResult.ERROR.equals(result.status()) ? 1 : 2;
        int r = PromptRequest.REALTIME.equals(result.route()) ? 0 : PromptRequest.BATCH.equals(result.route()) ? 1 : 2;
        prompts[s][r].increment();
        if (result.attempts() > 1) {
            retries.increment(result.attempts() - 1);
        }
        if (result.usage() != null && model != null) {
            ModelMeters meters = meters(model);
            meters.inputTokens.record(result.usage().promptTokens());
            meters.outputTokens.record(result.usage().completionTokens());
        }
    }

    /**
     * What one answer cost, as its run's ledger counted it (the same amount the ledger added to the run's total).
     * The meter keeps the exact sum and gives it as a double when scraped, so it equals the summaries'
     * {@code total_usd} (to a double's precision) however many answers it adds up.
     */
    void spent(String model, String route, BigDecimal usd) {
        String key = model + '\n' + route;
        Spent meter = spent.get(key);
        if (meter == null) {
            meter = spent.computeIfAbsent(key, k -> new Spent(model, route));
        }
        meter.add(usd);
    }

    /** The estimated cost of one model's answers on one route, in USD. */
    private final class Spent {
        private BigDecimal usd = BigDecimal.ZERO;

        Spent(String model, String route) {
            FunctionCounter.builder("llm.cost", this, Spent::total).baseUnit("usd")
                    .description("Estimated cost of the answers (their token usage at llm.prices; the Batch API's "
                            + "at its price)")
                    .tags("pipeline", pipeline, "model", model, "route", route).register(registry);
        }

        synchronized void add(BigDecimal amount) {
            usd = usd.add(amount);
        }

        synchronized double total() {
            return usd.doubleValue();
        }
    }

    /**
     * The Batch API meters: the jobs of the active runs by where they stand ({@code open}, for each of
     * {@code openStatuses}) and the batches that ended, by final status ({@code ended}).
     */
    void batchJobs(List<String> openStatuses, ToLongFunction<String> open, List<String> endStatuses,
                   ToLongFunction<String> ended) {
        for (String status : openStatuses) {
            Gauge.builder("llm.batch.jobs", () -> open.applyAsLong(status))
                    .description("Batch API jobs of the runs in progress that are not over, by status")
                    .tags("pipeline", pipeline, "status", status).register(registry);
        }
        for (String status : endStatuses) {
            // held weakly, as every function meter's object: the meters object lives as long as the pipeline
            FunctionCounter.builder("llm.batch.jobs.ended", this, m -> ended.applyAsLong(status))
                    .description("Batch API batches that ended, by final status")
                    .tags("pipeline", pipeline, "status", status).register(registry);
        }
    }

    void runFinished(boolean completed) {
        (completed ? runsCompleted : runsStopped).increment();
    }

    private ModelMeters meters(String model) {
        String key = model == null ? "" : model;
        ModelMeters meters = models.get(key);
        return meters != null ? meters : models.computeIfAbsent(key, ModelMeters::new);
    }

    /** Every meter of one model, built when the model is first seen. */
    private final class ModelMeters {
        final Timer ok;
        final Timer[] failed = new Timer[ApiFailure.Kind.values().length];
        final Timer unanswered;
        final DistributionSummary inputTokens;
        final DistributionSummary outputTokens;
        final Counter rateLimited;

        ModelMeters(String model) {
            Tags tags = Tags.of("pipeline", pipeline, "gen_ai.operation.name", "chat", "gen_ai.provider.name", "openai",
                    "gen_ai.request.model", model);
            ok = duration(tags, "none");
            for (ApiFailure.Kind kind : ApiFailure.Kind.values()) {
                failed[kind.ordinal()] = duration(tags, kind.name().toLowerCase(java.util.Locale.ROOT));
            }
            unanswered = duration(tags, "no_answer");
            inputTokens = tokens(tags, "input");
            outputTokens = tokens(tags, "output");
            Tags modelTags = Tags.of("pipeline", pipeline, "model", model);
            rateLimited = Counter.builder("llm.rate_limited").description("429 rate-limit answers")
                    .tags(modelTags).register(registry);
            limit(modelTags, "requests", "llm.rate_limit.per_minute", h -> h.requestsPerMinute());
            limit(modelTags, "requests", "llm.rate_limit.available", h -> h.requestsAvailable());
            limit(modelTags, "tokens", "llm.rate_limit.per_minute", h -> h.tokensPerMinute());
            limit(modelTags, "tokens", "llm.rate_limit.available", h -> h.tokensAvailable());
        }

        private void limit(Tags tags, String kind, String name, ToDoubleFunction<CallGate.Headroom> value) {
            String model = tags.stream().filter(t -> t.getKey().equals("model")).findFirst().orElseThrow()
                    .getValue();
            Gauge.builder(name, () -> value.applyAsDouble(headroom.apply(model)))
                    .description("Rate limits learnt from the x-ratelimit-* headers (or configured)")
                    .tags(tags).tag("limit", kind).register(registry);
        }

        private Timer duration(Tags tags, String errorType) {
            return Timer.builder(OPERATION_DURATION).description("GenAI operation duration").tags(tags)
                    .tag("error.type", errorType).serviceLevelObjectives(DURATION_BUCKETS).register(registry);
        }

        private DistributionSummary tokens(Tags tags, String type) {
            return DistributionSummary.builder(TOKEN_USAGE).description("Measures number of input and output tokens "
                    + "used").baseUnit("tokens").tags(tags).tag("gen_ai.token.type", type)
                    .serviceLevelObjectives(TOKEN_BUCKETS).register(registry);
        }
    }
}
