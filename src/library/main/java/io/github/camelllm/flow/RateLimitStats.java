package io.github.camelllm.flow;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the rate limits cost each run, for its summary: how many 429 rate-limit answers its prompts got, and for
 * how long calls were held back by limits while it was active (the union of every wait, so two prompts waiting at
 * once count once).
 */
public final class RateLimitStats {

    /** One run's share. */
    public record RunStats(long rateLimitedAnswers, long throttledMs) {
    }

    private final Map<String, RunCounters> runs = new ConcurrentHashMap<>();
    private long throttledNanos;
    private long throttledUntilNanos;

    private final class RunCounters {
        final LongAdder rateLimited = new LongAdder();
        final long throttledAtStart;

        RunCounters(long nowNanos) {
            throttledAtStart = throttledNanos(nowNanos);
        }
    }

    /** A prompt of this run reached the gate: its run counts from now on (once). */
    void runActive(String runId, long nowNanos) {
        if (!runs.containsKey(runId)) {
            runs.computeIfAbsent(runId, id -> new RunCounters(nowNanos));
        }
    }

    /** A prompt of this run got a 429 rate-limit answer. */
    void rateLimited(String runId) {
        RunCounters run = runs.get(runId);
        if (run != null) {
            run.rateLimited.increment();
        }
    }

    /** Calls are held back by limits from now until {@code untilNanos}. */
    synchronized void throttled(long nowNanos, long untilNanos) {
        if (untilNanos > throttledUntilNanos) {
            throttledNanos += untilNanos - Math.max(nowNanos, throttledUntilNanos);
            throttledUntilNanos = untilNanos;
        }
    }

    /** The run's counts so far; zero for a run no prompt of which reached the gate. */
    public RunStats of(String runId) {
        RunCounters run = runs.get(runId);
        if (run == null) {
            return new RunStats(0, 0);
        }
        return new RunStats(run.rateLimited.sum(),
                (throttledNanos(System.nanoTime()) - run.throttledAtStart) / 1_000_000);
    }

    /** Drops a finished run's counters. */
    public void forget(String runId) {
        runs.remove(runId);
    }

    /** Wall time calls were held back by limits since the pipeline started, ms. */
    public long throttledMillis() {
        return throttledNanos(System.nanoTime()) / 1_000_000;
    }

    /** Until when calls are held back by limits, as System.nanoTime(); in the past when they are not. */
    public synchronized long throttledUntilNanos() {
        return throttledUntilNanos;
    }

    /** Wall time held back so far: a wait still ahead counts only up to now. */
    private synchronized long throttledNanos(long nowNanos) {
        return throttledNanos - Math.max(0, throttledUntilNanos - nowNanos);
    }
}
