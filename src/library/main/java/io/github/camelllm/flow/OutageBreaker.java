package io.github.camelllm.flow;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;

/**
 * Tells a server-wide outage from one prompt's bad luck. It watches the last {@value #WINDOW} answers; when at
 * least {@value #MIN_CALLS} of them are known and {@value #FAILURE_PERCENT} % or more failed as an outage does
 * (5xx, gateway pages, refused connections, timeouts), it opens: no prompt is sent, and one probe goes out
 * after 1 s, then 2 s, 4 s … up to {@code maxProbeIntervalMs} between probes. A probe that is answered closes
 * it and every held prompt goes on. Prompts keep their attempts for their own problems: a failure while the
 * breaker is open is the outage's, not the prompt's.
 * <p>
 * After {@code maxOutageMs} of outage it gives up: held and new prompts end as errors (type {@code outage})
 * without a call, except the probes, which go on so that the pipeline recovers by itself.
 */
final class OutageBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(OutageBreaker.class);
    static final int WINDOW = 20;
    static final int MIN_CALLS = 10;
    static final int FAILURE_PERCENT = 80;
    static final String PROBE = "outage";

    private final long maxOutageNanos;
    private final long maxProbeIntervalNanos;
    private final boolean[] failed = new boolean[WINDOW];
    private int next;
    private int count;
    private int failures;

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
        record(false);
        if (open && sentNanos - openedAtNanos < 0) {
            return false;
        }
        probing = false;
        if (open) {
            open = false;
            gaveUpLogged = false;
            Arrays.fill(failed, false);
            count = 0;
            failures = 0;
            LOG.warn("the API answers again after {} s of outage: resuming",
                    (System.nanoTime() - openedAtNanos) / 1_000_000_000L);
            return true;
        }
        return false;
    }

    /** A failure of the outage kind. Returns true when the breaker is (now) open. */
    synchronized boolean failed(String description, boolean wasProbe, long nowNanos) {
        lastFailure = description;
        record(true);
        if (open) {
            if (wasProbe) {
                probing = false;
                intervalNanos = Math.min(maxProbeIntervalNanos, intervalNanos * 2);
                probeAtNanos = nowNanos + intervalNanos;
            }
            return true;
        }
        if (count >= MIN_CALLS && failures * 100 >= FAILURE_PERCENT * count) {
            open = true;
            probing = false;
            openedAtNanos = nowNanos;
            intervalNanos = Math.min(maxProbeIntervalNanos, 1_000_000_000L);
            probeAtNanos = nowNanos + intervalNanos;
            LOG.warn("the API looks down ({} of the last {} calls failed, last: {}): holding every prompt and "
                    + "probing with one call at growing intervals", failures, count, description);
            return true;
        }
        return false;
    }

    /** How long the current outage has lasted, 0 when there is none. */
    synchronized long outageNanos(long nowNanos) {
        return open ? nowNanos - openedAtNanos : 0;
    }

    private void record(boolean failure) {
        if (count == WINDOW) {
            if (failed[next]) {
                failures--;
            }
        } else {
            count++;
        }
        failed[next] = failure;
        if (failure) {
            failures++;
        }
        next = (next + 1) % WINDOW;
    }
}
