package io.github.camelllm.flow;

import io.github.camelllm.config.ApiConfig;
import io.github.camelllm.config.FaultConfig;
import io.github.camelllm.config.RateLimitConfig;
import io.github.camelllm.config.RetryConfig;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.openai.CallOutcomes;
import io.github.camelllm.openai.CallState;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * The one gate in front of every real-time attempt (retries included). It lets an attempt go when nothing
 * stands against it, in this order: a fault that no retry fixes ({@link Faults}), an outage of the whole API
 * ({@link OutageBreaker}), a pause after a rate-limit answer, and the model's request and token buckets
 * ({@link ModelLimits}), and last the calls allowed in flight ({@link ConcurrencyLimit}). An attempt that must
 * wait holds no thread: it is resumed by a timer (or by the news that the API answers again, or that a call in
 * flight has its answer). Every answer comes back here ({@link #answered}, {@link #unanswered}) so the
 * gate learns the limits and the API's health from the traffic itself. Its own probes are {@link GateProbes}'s,
 * what the limits cost each run is counted by {@link RateLimitStats}. A 429 is handled by what it says
 * ({@link RateLimitAnswer}): one from a known bucket pauses every caller of the model until the bucket holds the
 * call again; any other lowers the calls in flight and holds that prompt for a backoff of its own, which grows
 * with each 429 it gets. A wait the server names is never longer than {@code llm.retry.max-retry-after-ms}
 * ({@link ServerWaits}).
 * <p>
 * How many prompts can wait here is bounded by the call slots in front of it ({@code llm.concurrency}).
 */
public final class CallGate extends AsyncProcessorSupport implements CallOutcomes {

    private static final Logger LOG = LoggerFactory.getLogger(CallGate.class);
    private static final long PARK_RECHECK_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Calls per model that may go out before its first answer says what its limits are. */
    static final int COLD_START_CALLS = 4;

    private final RateLimitConfig limits;
    private final RetryConfig retry;
    private final ScheduledExecutorService timer;
    private final Faults faults;
    private final OutageBreaker outage;
    private final Map<String, ModelLimits> models = new ConcurrentHashMap<>();
    private final Queue<Wake> parked = new ConcurrentLinkedQueue<>();
    private final Set<Wake> waiting = ConcurrentHashMap.newKeySet();
    private final RateLimitStats stats;
    private final GateProbes probes;
    private final ConcurrencyLimit concurrency;
    private final ServerWaits serverWaits;
    private volatile boolean stopping;

    private final Predicate<String> runAccepting;
    private final UnaryOperator<String> scrub;

    /**
     * @param concurrency  {@code llm.concurrency}: the most calls in flight, where the adaptive limit starts
     * @param stats        where what the limits cost each run is counted
     * @param runAccepting false for a run that makes no further calls (its journal cannot be written, its input
     *                     changed): its waiting prompts are dropped, as at shutdown
     */
    public CallGate(ApiConfig api, RateLimitConfig limits, RetryConfig retry, FaultConfig faults, int concurrency,
                    ScheduledExecutorService timer, RateLimitStats stats, Predicate<String> runAccepting) {
        this.limits = limits;
        this.retry = retry;
        this.runAccepting = runAccepting;
        this.scrub = FailurePolicy.scrubber(api.apiKey());
        this.timer = timer;
        this.stats = stats;
        this.faults = new Faults(faults.hold(), faults.probeInterval().toMillis(), scrub, api.names());
        this.outage = new OutageBreaker(retry.maxOutage().toMillis(), retry.maxProbeInterval().toMillis());
        this.probes = new GateProbes(outage, this.faults, scrub);
        this.concurrency = new ConcurrencyLimit(concurrency);
        this.serverWaits = new ServerWaits(retry.maxRetryAfter().toMillis(),
                api.names().of("retry.max-retry-after-ms"));
        timer.scheduleWithFixedDelay(() -> probes.sendDue(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
    }

    /**
     * How the gate sends a probe of its own (a one-token call), for when the API is down or refuses us and no
     * prompt is left to be the probe: the held prompts ended as errors, or the inbox takes no new file.
     */
    public void probeWith(Consumer<CallState> sender) {
        probes.sendWith(sender);
    }

    // --- admission ---------------------------------------------------------------------------------------

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        CallState call = exchange.getProperty(CallState.PROPERTY, CallState.class);
        stats.runActive(call.request().runId(), System.nanoTime());
        probes.modelSeen(call.request().model(), call.request().endpoint());
        if (call.takeCountedInFlight()) {
            wake(concurrency.returned()); // the last attempt took a permit but reported no outcome
        }
        if (call.watchOnce()) {
            // whatever becomes of the prompt, a permit its last attempt still holds is given back at its end
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    if (call.takeCountedInFlight()) {
                        wake(concurrency.returned());
                    }
                }
            });
        }
        return admit(exchange, call, callback, true);
    }

    private boolean admit(Exchange exchange, CallState call, AsyncCallback callback, boolean sync) {
        long now = System.nanoTime();
        Admission admission = stopping || !runAccepting.test(call.request().runId()) ? null : evaluate(call, now);
        if (admission == null) {
            // shutdown, or a run that makes no further calls: the prompt has no result yet, so the next start
            // (or the run's retry) sends it. The chat-call route withholds such an attempt before the gate, in
            // plain sight; the gate ends one itself only because a waiting attempt is resumed here, by the timer:
            // the verdict is taken at that moment, and a test in the route after the gate would ask again later,
            // when the gate may already have let the attempt go (its reservation or probe taken).
            exchange.setRouteStop(true);
        } else {
            switch (admission.kind()) {
                case PASS, PROBE -> call.probe(admission.probe());
                case FAIL -> exchange.setException(admission.failure());
                case LIMITED -> {
                    Wake wake = new Wake(exchange, call, callback);
                    waiting.add(wake);
                    if (!concurrency.await(wake)) {
                        timer.execute(wake); // a permit came free meanwhile
                    }
                    return false;
                }
                case WAIT, PARK -> {
                    long until = admission.kind() == Admission.Kind.WAIT ? admission.untilNanos()
                            : now + PARK_RECHECK_NANOS;
                    Wake wake = new Wake(exchange, call, callback);
                    waiting.add(wake);
                    if (admission.kind() == Admission.Kind.PARK) {
                        parked.add(wake);
                    }
                    timer.schedule(wake, Math.max(0, until - now), TimeUnit.NANOSECONDS);
                    return false;
                }
                default -> throw new IllegalStateException(admission.toString());
            }
        }
        callback.done(sync);
        return sync;
    }

    private Admission evaluate(CallState call, long now) {
        PromptRequest request = call.request();
        Admission fault = faults.admit(request.model(), now);
        if (fault != Admission.PASS) {
            return fault;
        }
        Admission health = outage.admit(now);
        if (health != Admission.PASS) {
            return health;
        }
        long holdUntil = call.holdUntilNanos();
        if (holdUntil > now) {
            return Admission.waitUntil(holdUntil);
        }
        long rateLimitedSince = call.firstRateLimitedNanos();
        if (rateLimitedSince != 0 && now - rateLimitedSince > retry.maxRateLimitWait().toNanos()) {
            return Admission.fail(new PipelineStoppedException("rate_limited", "held back by rate limits for "
                    + (now - rateLimitedSince) / 1_000_000_000L + " s after " + call.rateLimitedCount()
                    + " rate-limit answers (llm.retry.max-rate-limit-wait-ms)", 429));
        }
        ModelLimits limits = limits(request.model());
        if (call.reservation() instanceof ModelLimits.Reservation held && held.epoch() != limits.epoch()) {
            call.reservation(null); // made before a 429: queue again behind the pause
        }
        if (call.reservation() == null && !limits.coldStart(COLD_START_CALLS)) {
            return Admission.PARK;
        }
        long pausedUntil = limits.pausedUntil();
        if (pausedUntil > now) {
            stats.throttled(now, pausedUntil);
            return Admission.waitUntil(pausedUntil);
        }
        if (call.reservation() == null) {
            ModelLimits.Reservation reservation = limits.reserve(call.tokenCost(), now);
            call.reservation(reservation);
            if (reservation.waitNanos() > 0) {
                stats.throttled(now, now + reservation.waitNanos());
                return Admission.waitUntil(now + reservation.waitNanos());
            }
        }
        if (!concurrency.tryAcquire()) {
            return Admission.LIMITED;
        }
        call.countedInFlight();
        return Admission.PASS;
    }

    /** One waiting attempt; resumed once, by its timer or by news that the API answers again. */
    private final class Wake implements Runnable {
        final Exchange exchange;
        final CallState call;
        final AsyncCallback callback;
        final AtomicBoolean fired = new AtomicBoolean();

        Wake(Exchange exchange, CallState call, AsyncCallback callback) {
            this.exchange = exchange;
            this.call = call;
            this.callback = callback;
        }

        @Override
        public void run() {
            if (!fired.compareAndSet(false, true)) {
                return;
            }
            waiting.remove(this);
            try {
                admit(exchange, call, callback, false);
            } catch (RuntimeException e) {
                exchange.setException(e);
                callback.done(false);
            }
        }
    }

    private void wakeParked() {
        for (Wake wake; (wake = parked.poll()) != null; ) {
            timer.execute(wake);
        }
    }

    // --- what the answers say ------------------------------------------------------------------------------

    /**
     * An HTTP answer to an attempt: learns the limits from its headers, and what it says about the API's health.
     *
     * @param failure null for a 2xx answer
     */
    @Override
    public void answered(CallState call, Map<String, String> headers, ApiFailure failure) {
        long now = System.nanoTime();
        String model = call.request().model();
        ModelLimits limits = limits(model);
        Object reservation = call.reservation();
        call.reservation(null);
        if (reservation instanceof ModelLimits.Reservation r) {
            limits.learn(headers, r, call.sentNanos(), now);
        }
        boolean changed = limits.firstAnswer();
        if (failure == null || !failure.fatal()) {
            changed |= faults.cleared(model, call.sentNanos());
        }
        ConcurrencyLimit.Signal signal = ConcurrencyLimit.Signal.FINE;
        if (failure == null) {
            limits.succeeded();
            serverWaits.episodeOver();
            changed |= outage.answered(call.sentNanos());
        } else {
            switch (failure.kind()) {
                case RATE_LIMITED -> {
                    changed |= outage.answered(call.sentNanos());
                    call.rateLimited(now);
                    stats.rateLimited(call.request().runId());
                    if (rateLimited(call, failure, limits, now) == RateLimitAnswer.Kind.OVERLOAD) {
                        signal = ConcurrencyLimit.Signal.OVERLOADED;
                    }
                }
                case QUOTA, AUTH, MODEL_NOT_FOUND, NOT_FOUND -> {
                    changed |= outage.answered(call.sentNanos());
                    faults.trip(failure, model, now);
                }
                case SERVER -> {
                    signal = ConcurrencyLimit.Signal.FAILED;
                    outage.failed(scrub.apply(failure.describe()), OutageBreaker.PROBE.equals(call.probe()), now);
                }
                default -> changed |= outage.answered(call.sentNanos());
            }
        }
        call.probe(null);
        if (call.takeCountedInFlight()) {
            wake(concurrency.release(signal, call.sentNanos(), now,
                    failure == null ? "ok" : scrub.apply(failure.describe())));
        }
        if (changed) {
            wakeParked();
        }
    }

    /**
     * A 429 rate-limit answer, by what it says: from a known bucket, every caller of the model waits until the
     * server said (at most llm.retry.max-retry-after-ms), or until the bucket holds the call again; otherwise this
     * prompt alone waits a backoff that grows with each 429 it gets (or the server's wait when longer), and the
     * calls in flight are lowered.
     */
    private RateLimitAnswer.Kind rateLimited(CallState call, ApiFailure failure, ModelLimits limits, long now) {
        long asked = failure.retryAfterMillis(System.currentTimeMillis()).orElse(0);
        String bucket = failure.exhaustedBucket();
        RateLimitAnswer.Kind kind = RateLimitAnswer.of(failure, call.tokenCost(),
                "tokens".equals(bucket) ? limits.tokens() : limits.requests());
        if (asked > 0) {
            asked = serverWaits.cap(asked, scrub.apply(failure.describe()));
        }
        if (kind == RateLimitAnswer.Kind.BUCKET) {
            long pause = limits.rateLimited(bucket, asked, retry.initialDelay().toMillis(), retry.maxDelay().toMillis(),
                    call.tokenCost(), now);
            stats.throttled(now, now + pause);
            LOG.debug("rate limited ({}): every call to {} waits {} ms", bucket, call.request().model(),
                    pause / 1_000_000);
            return kind;
        }
        long backoff = backoffMillis(call.rateLimitedCount());
        long hold = Math.max(backoff, asked) * 1_000_000L;
        call.holdUntil(now + hold);
        LOG.debug("{}: line {} waits {} ms", RateLimitAnswer.describe(failure), call.request().line(),
                hold / 1_000_000);
        return kind;
    }

    /** The backoff of a prompt after its n-th 429 that names no bucket: the retry backoff, with its jitter. */
    private long backoffMillis(int n) {
        double delay = retry.initialDelay().toMillis() * Math.pow(Math.max(1, retry.multiplier()), Math.max(0, n - 1));
        delay = Math.min(delay, retry.maxDelay().toMillis());
        double jitter = retry.jitter() * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Math.max(1, (long) (delay * (1 + jitter)));
    }

    private void wake(List<Runnable> wakes) {
        for (Runnable wake : wakes) {
            timer.execute(wake);
        }
    }

    /** An attempt that got no HTTP answer (refused or reset connection, timeout): counts towards an outage. */
    @Override
    public void unanswered(CallState call, String description) {
        long now = System.nanoTime();
        call.reservation(null);
        limits(call.request().model()).coldCallEnded();
        if (call.takeCountedInFlight()) {
            wake(concurrency.release(ConcurrencyLimit.Signal.FAILED, call.sentNanos(), now, scrub.apply(description)));
        }
        String probe = call.probe();
        call.probe(null);
        if (probe != null && !OutageBreaker.PROBE.equals(probe)) {
            faults.probeEnded(probe, now);
        }
        outage.failed(scrub.apply(description), OutageBreaker.PROBE.equals(probe), now);
        wakeParked();
    }

    // --- what the rest of the pipeline asks ----------------------------------------------------------------

    /** True while an outage is being ridden out: a failure now is the outage's, not the prompt's. */
    public boolean outage() {
        return outage.isOpen();
    }

    /** The calls allowed in flight, and how many are: the adaptive limit under {@code llm.concurrency}. */
    public ConcurrencyLimit concurrency() {
        return concurrency;
    }

    /**
     * A wait a server named for one prompt's retry (Retry-After on a 5xx), cut to llm.retry.max-retry-after-ms; an
     * overlong one is logged once per episode.
     */
    public long serverWait(long askedMs, String cause) {
        return serverWaits.cap(askedMs, scrub.apply(cause));
    }

    /** Whether prompts wait for a fault to clear (the service) rather than end as errors. */
    public boolean holdsOnFaults() {
        return faults.holds();
    }

    /** False while a fault or an outage holds the calls: the inbox takes no new file meanwhile. */
    public boolean healthy() {
        return !faults.any() && !outage.isOpen();
    }

    /** True while a fault that no retry fixes (a refused key, no credit, an unknown model) holds the calls. */
    public boolean faulted() {
        return faults.any();
    }

    /**
     * A model's rate limits as learnt so far (or configured).
     *
     * @param requestsPerMinute 0 while unknown
     * @param requestsAvailable what the requests bucket holds now (below zero: reserved ahead of the refill)
     */
    public record Headroom(double requestsPerMinute, double requestsAvailable, double tokensPerMinute,
                           double tokensAvailable) {
    }

    /** A model's limits as learnt so far. */
    public Headroom headroom(String model) {
        return limits(model).headroom(System.nanoTime());
    }

    /** Shutdown: every waiting attempt ends now, without a result, so the next start sends it. */
    public void stop() {
        stopping = true;
        probes.stop();
        concurrency.drain();
        for (Wake wake : waiting) {
            timer.execute(wake);
        }
    }

    private ModelLimits limits(String model) {
        return models.computeIfAbsent(model == null ? "" : model,
                m -> new ModelLimits(limits.requestsPerMinute(), limits.tokensPerMinute(), System.nanoTime()));
    }
}
