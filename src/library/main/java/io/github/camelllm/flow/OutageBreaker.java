package io.github.camelllm.flow;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells a server that answers nothing from one that answers badly. A server that fails most calls but not all is
 * not down: the calls go on at the rate it sustains ({@link ConcurrencyLimit}), and every prompt keeps its own
 * attempts. The breaker opens only when no call succeeds any more: at least {@value #MIN_FAILURES} failures of the
 * outage kind (5xx, gateway pages, refused connections, timeouts) in a row, and more when the server failed often
 * before (a run of failures that its usual share of failures makes unlikely to one in a million: 85 failures in a
 * row for a server that fails 85 % of calls). One that opened before any call was answered (the first calls of a
 * sick server and of one that is down look alike) closes at any answer. Then no prompt is sent, and one probe goes out
 * after 1 s, then 2 s, 4 s … up to {@code maxProbeIntervalMs} between probes. A probe that is answered closes it
 * and every held prompt goes on. Prompts keep their attempts for their own problems: a failure while the breaker
 * is open is the outage's, not the prompt's.
 * <p>
 * After {@code maxOutageMs} of outage it gives up: held and new prompts end as errors (type {@code outage})
 * without a call, except the probes, which go on so that the pipeline recovers by itself.
 */
final class OutageBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(OutageBreaker.class);
    static final int MIN_FAILURES = 10;
    static final int MAX_FAILURES = 200;
    /** How unlikely a run of failures must be, for the server's usual share of failures, to mean it is down. */
    private static final double UNLIKELY = 1e-6;
    /** The share of failures is averaged over about this many answers. */
    private static final double SHARE_ANSWERS = 200;
    static final String PROBE = "outage";

    private final long maxOutageNanos;
    private final long maxProbeIntervalNanos;
    /** Failures of the outage kind since the last answer. */
    private int failures;
    /**
     * The usual share of failed calls: their average over the first {@value #SHARE_ANSWERS} calls, then a moving
     * average over about as many.
     */
    private double failedShare;
    private long calls;
    /** Failures in a row that open the breaker, set from the usual share when the current run began. */
    private int needed = MIN_FAILURES;
    /** Whether any call was ever answered; and whether the breaker opened before one was. */
    private boolean everAnswered;
    private boolean openedCold;

    private boolean open;
    private boolean probing;
    private long openedAtNanos;
    private long probeAtNanos;
    private long intervalNanos;
    private String lastFailure = "";
    private boolean gaveUpLogged;

    OutageBreaker(long maxOutageMs, long maxProbeIntervalMs) {
        this.maxOutageNanos = maxOutageMs * 1_000_000L;
        this.maxProbeIntervalNanos = Math.max(1, maxProbeIntervalMs) * 1_000_000L;
    }

    synchronized boolean isOpen() {
        return open;
    }

    synchronized Admission admit(long nowNanos) {
        if (!open) {
            return Admission.PASS;
        }
        if (!probing && nowNanos >= probeAtNanos) {
            probing = true;
            return Admission.probe(PROBE);
        }
        if (nowNanos - openedAtNanos >= maxOutageNanos) {
            if (!gaveUpLogged) {
                gaveUpLogged = true;
                LOG.error("the API has failed every call for {} s ({}): giving up on the prompts held for it;"
                        + " probing goes on", (nowNanos - openedAtNanos) / 1_000_000_000L, lastFailure);
            }
            return Admission.fail(new PipelineStoppedException("outage", "the API was unavailable for "
                    + (nowNanos - openedAtNanos) / 1000_000_000L + " s (llm.retry.max-outage-ms): " + lastFailure,
                    null));
        }
        return probing ? Admission.PARK : Admission.waitUntil(probeAtNanos);
    }

    /**
     * An answer from the server (any status that is not a server failure). Returns true when it closed. Only a
     * call sent after the outage began can end it: the late answer of a call sent before says nothing of now, and
     * must not make the state flap (resuming, down, resuming ...) as such answers arrive.
     *
     * @param sentNanos when the answered call was sent
     */
    synchronized boolean answered(long sentNanos) {
        failedShare -= failedShare * weight();
        failures = 0;
        everAnswered = true;
        if (open && sentNanos - openedAtNanos < 0 && !openedCold) {
            return false;
        }
        probing = false;
        if (open) {
            open = false;
            gaveUpLogged = false;
            LOG.warn("the API answers again after {} s of outage: resuming",
                    (System.nanoTime() - openedAtNanos) / 1_000_000_000L);
            return true;
        }
        return false;
    }

    /** A failure of the outage kind. Returns true when the breaker is (now) open. */
    synchronized boolean failed(String description, boolean wasProbe, long nowNanos) {
        lastFailure = description;
        if (failures == 0) {
            needed = failuresMeaningDown(failedShare);
        }
        failures++;
        failedShare += (1 - failedShare) * weight();
        if (open) {
            if (wasProbe) {
                probing = false;
                intervalNanos = Math.min(maxProbeIntervalNanos, intervalNanos * 2);
                probeAtNanos = nowNanos + intervalNanos;
            }
            return true;
        }
        if (failures >= needed) {
            open = true;
            openedCold = !everAnswered;
            probing = false;
            openedAtNanos = nowNanos;
            intervalNanos = Math.min(maxProbeIntervalNanos, 1_000_000_000L);
            probeAtNanos = nowNanos + intervalNanos;
            LOG.warn("the API looks down ({} calls in a row failed, none answered, last: {}): holding every prompt"
                    + " and probing with one call at growing intervals", failures, description);
            return true;
        }
        return false;
    }

    /** How long the current outage has lasted, 0 when there is none. */
    synchronized long outageNanos(long nowNanos) {
        return open ? nowNanos - openedAtNanos : 0;
    }

    private double weight() {
        calls++;
        return 1.0 / Math.min(calls, SHARE_ANSWERS);
    }

    /**
     * How many failures in a row mean the server is down, for a server that usually fails this share of calls: as
     * many as make such a run one in a million by chance, at least {@value #MIN_FAILURES}, at most
     * {@value #MAX_FAILURES}.
     */
    static int failuresMeaningDown(double failedShare) {
        if (failedShare <= 0) {
            return MIN_FAILURES;
        }
        if (failedShare >= 1) {
            return MAX_FAILURES;
        }
        double n = Math.ceil(Math.log(UNLIKELY) / Math.log(failedShare));
        return (int) Math.max(MIN_FAILURES, Math.min(MAX_FAILURES, n));
    }
}
