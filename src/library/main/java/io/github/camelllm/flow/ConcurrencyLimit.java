package io.github.camelllm.flow;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * How many calls may be in flight at once (sent, not yet answered): an adaptive limit between 1 and
 * {@code llm.concurrency}, moved by additive increase and multiplicative decrease (AIMD, as TCP's congestion window
 * and Netflix's concurrency-limits do). A server that says "too much" without saying how much (a 429 that names no
 * bucket, or whose headers contradict it, a {@code slow_down}) gets fewer calls at once; so does one of which a
 * large share of calls fails (5xx, timeouts), down to a quarter of {@code llm.concurrency}, since a failing server
 * is not always an overloaded one. Every answer that is not such a signal grows the limit by one call per limit's
 * worth of answers, back to {@code llm.concurrency}. A healthy server never sees it below {@code llm.concurrency}.
 * <p>
 * The limit goes down at most once per round trip: an answer to a call sent before the last decrease says nothing
 * about the lowered limit. A single signal does not lower it either: it goes down when at least
 * {@value #MIN_OVERLOADED} of the last {@value #WINDOW} answers said "too much" (so a server's random 2 % of 429s
 * costs those calls a retry, not the pipeline its pace), or when {@value #FAILURE_PERCENT} % of them (and at least
 * {@value #MIN_OVERLOADED}) failed.
 * <p>
 * The gate asks it for a permit as the last thing before a call goes out; a call that finds none waits in line,
 * without a thread, until an answer frees one.
 */
public final class ConcurrencyLimit {

    private static final Logger LOG = LoggerFactory.getLogger(ConcurrencyLimit.class);
    static final int WINDOW = 100;
    static final int MIN_OVERLOADED = 10;
    static final int FAILURE_PERCENT = 50;
    static final double OVERLOAD_FACTOR = 0.7;
    static final double FAILURE_FACTOR = 0.9;
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    /** What an answer says about the load. */
    public enum Signal {
        /** Any answer that is neither of the others: the server coped. */
        FINE,
        /** Too much, without saying how much: a 429 that names no bucket, or contradicts its headers; slow_down. */
        OVERLOADED,
        /** The call failed as a server does (5xx, gateway page, refused connection, timeout). */
        FAILED
    }

    private final int max;
    private final int failureFloor;
    private final byte[] window = new byte[WINDOW];
    private int next;
    private int count;
    private int overloaded;
    private int failed;
    private double limit;
    private int inFlight;
    private long lastDecreaseNanos = Long.MIN_VALUE;
    private long lastLogNanos = Long.MIN_VALUE;
    private long decreases;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();

    /** @param max {@code llm.concurrency}: the limit starts there and never exceeds it */
    public ConcurrencyLimit(int max) {
        this.max = Math.max(1, max);
        this.failureFloor = Math.max(1, (this.max + 3) / 4);
        this.limit = this.max;
    }

    /** The calls allowed in flight now: {@code llm.concurrency} unless the server said it is too much. */
    public synchronized int limit() {
        return (int) limit;
    }

    /** {@code llm.concurrency}, the highest the limit goes. */
    public int max() {
        return max;
    }

    /** Calls in flight now (that took a permit). */
    public synchronized int inFlight() {
        return inFlight;
    }

    /** How many times the limit went down since start. */
    public synchronized long decreases() {
        return decreases;
    }

    /** A permit for one call now, if the limit allows it. */
    synchronized boolean tryAcquire() {
        if (inFlight < (int) limit) {
            inFlight++;
            return true;
        }
        return false;
    }

    /**
     * Puts {@code wake} in line for a permit; false (and not in line) when one is free right now, so that no wake-up
     * is lost between a refused {@link #tryAcquire} and this call.
     */
    synchronized boolean await(Runnable wake) {
        if (inFlight < (int) limit) {
            return false;
        }
        waiting.add(wake);
        return true;
    }

    /**
     * A call that held a permit got its answer (or none).
     *
     * @param signal    what the answer says about the load
     * @param sentNanos when the call was sent
     * @param cause     what the answer was, for the log
     * @return the waiting calls to resume now (each asks for a permit again)
     */
    List<Runnable> release(Signal signal, long sentNanos, long nowNanos, String cause) {
        List<Runnable> wake;
        synchronized (this) {
            inFlight = Math.max(0, inFlight - 1);
            learn(signal, sentNanos, nowNanos, cause);
            wake = wakeable();
        }
        return wake;
    }

    /** A call that held a permit ended without an answer that says anything (it was never sent). */
    synchronized List<Runnable> returned() {
        inFlight = Math.max(0, inFlight - 1);
        return wakeable();
    }

    /** Everything waiting, at shutdown. */
    synchronized List<Runnable> drain() {
        List<Runnable> all = new ArrayList<>(waiting);
        waiting.clear();
        return all;
    }

    private List<Runnable> wakeable() {
        int free = (int) limit - inFlight;
        if (free <= 0 || waiting.isEmpty()) {
            return List.of();
        }
        List<Runnable> wake = new ArrayList<>(Math.min(free, waiting.size()));
        while (free-- > 0 && !waiting.isEmpty()) {
            wake.add(waiting.poll());
        }
        return wake;
    }

    private void learn(Signal signal, long sentNanos, long nowNanos, String cause) {
        record(signal);
        if (signal == Signal.FINE) {
            if (limit < max) {
                limit = Math.min(max, limit + 1 / limit);
                if ((int) limit == max) {
                    LOG.info("the server copes again: up to {} calls in flight (llm.concurrency)", max);
                }
            }
            return;
        }
        if (sentNanos < lastDecreaseNanos) {
            return; // sent before the last decrease: its answer says nothing about the lowered limit
        }
        double lowered;
        String why;
        if (signal == Signal.OVERLOADED && overloaded >= MIN_OVERLOADED) {
            lowered = Math.max(1, Math.floor(limit * OVERLOAD_FACTOR));
            why = overloaded + " of the last " + count + " answers said too much";
        } else if (failed + overloaded >= MIN_OVERLOADED && (failed + overloaded) * 100 >= FAILURE_PERCENT * count
                && limit > failureFloor) {
            lowered = Math.max(failureFloor, Math.floor(limit * FAILURE_FACTOR));
            why = failed + " of the last " + count + " calls failed";
        } else {
            return;
        }
        if (lowered >= limit) {
            return;
        }
        int before = (int) limit;
        limit = lowered;
        lastDecreaseNanos = nowNanos;
        decreases++;
        // a limit that had grown by a fraction since its last decrease goes back to the same whole number: no news
        boolean info = (int) limit < before
                && (nowNanos - lastLogNanos >= LOG_EVERY_NANOS || lastLogNanos == Long.MIN_VALUE);
        if (info) {
            lastLogNanos = nowNanos;
            LOG.info("calls in flight lowered from {} to {}: {} (last: {}); they grow back as answers come", before,
                    (int) limit, why, cause);
        } else {
            LOG.debug("calls in flight lowered from {} to {}: {} (last: {})", before, (int) limit, why, cause);
        }
    }

    private void record(Signal signal) {
        if (count == WINDOW) {
            forget(window[next]);
        } else {
            count++;
        }
        window[next] = (byte) signal.ordinal();
        if (signal == Signal.OVERLOADED) {
            overloaded++;
        } else if (signal == Signal.FAILED) {
            failed++;
        }
        next = (next + 1) % WINDOW;
    }

    private void forget(byte old) {
        if (old == Signal.OVERLOADED.ordinal()) {
            overloaded--;
        } else if (old == Signal.FAILED.ordinal()) {
            failed--;
        }
    }
}
