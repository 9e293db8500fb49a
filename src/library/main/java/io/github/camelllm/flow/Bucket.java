package io.github.camelllm.flow;

/**
 * One rate limit (requests or tokens per minute of one model) as a token bucket that refills continuously,
 * the way OpenAI enforces it. Calls reserve their cost before they are sent; the level may go below zero,
 * and a reservation in debt is told how long to wait, so waiting callers are spaced out instead of all
 * coming back at the same moment.
 * <p>
 * The limit is either configured or learned from the {@code x-ratelimit-*} headers of the answers: the
 * limit gives the refill rate, remaining + reset give the burst (a bucket's reset is the time until it is
 * full again), and remaining — less what this process reserved since the answered call was sent — gives the
 * current level. Other processes that spend from the same organisation show up in remaining, so several
 * instances converge on the server's view without talking to each other.
 */
final class Bucket {

    private static final double MS_PER_MINUTE = 60_000.0;
    /** How much refill (in ms of it) is kept in hand when the level is taken from the server. */
    private static final double MARGIN_MS = 200;

    private final boolean configured;
    private double perMinute;
    private double capacity;
    private double level;
    private long updatedNanos;
    /** Everything this process ever reserved from this bucket: the clock that orders answers against sends. */
    private double reservedTotal;

    Bucket(double configuredPerMinute, long nowNanos) {
        this.configured = configuredPerMinute > 0;
        this.perMinute = configuredPerMinute;
        // a configured limit is paced smoothly, with about a second of burst: a server that enforces it
        // without telling us how may count in windows shorter than a minute
        this.capacity = configuredPerMinute > 0 ? Math.max(1, configuredPerMinute / 60) : 0;
        this.level = capacity;
        this.updatedNanos = nowNanos;
    }

    synchronized boolean known() {
        return perMinute > 0;
    }

    synchronized double perMinute() {
        return perMinute;
    }


    /**
     * Takes {@code cost} from the bucket and answers how long the caller must wait before sending (0 when the
     * bucket held enough). With no known limit nothing is counted against, and the wait is 0.
     *
     * @return the wait in nanoseconds, and the reservation clock of this call (for {@link #learn})
     */
    synchronized long[] reserve(double cost, long nowNanos) {
        refill(nowNanos);
        reservedTotal += cost;
        if (perMinute <= 0) {
            return new long[]{0, (long) reservedTotal};
        }
        level -= cost;
        long wait = level >= 0 ? 0 : (long) Math.ceil(-level / ratePerNano());
        return new long[]{wait, (long) reservedTotal};
    }

    /** Gives back a reservation that was never sent (the call failed before it reached the server). */
    synchronized void refund(double cost) {
        if (perMinute > 0) {
            level = Math.min(capacity, level + cost);
        }
    }

    /**
     * Takes what an answer said about this bucket.
     *
     * @param limit        x-ratelimit-limit-*, or a negative value when absent
     * @param remaining    x-ratelimit-remaining-*, or a negative value when absent
     * @param resetMs      x-ratelimit-reset-* in ms, or a negative value when absent
     * @param reservedAt   the reservation clock of the answered call (its {@link #reserve} result)
     * @param sentNanos    when the answered call was sent
     */
    synchronized void learn(double limit, double remaining, double resetMs, long reservedAt, long sentNanos,
                            long nowNanos) {
        refill(nowNanos);
        if (!configured && limit > 0 && limit != perMinute) {
            perMinute = limit;
            if (capacity <= 0) {
                capacity = limit;
                level = limit;
            }
        }
        if (perMinute <= 0) {
            return;
        }
        if (remaining >= 0 && resetMs >= 0) {
            // reset = time until the bucket is full: the burst is what remains plus what refills by then
            capacity = Math.max(1, Math.min(configured ? capacity : perMinute, remaining + resetMs * perMinute / MS_PER_MINUTE));
        }
        if (remaining >= 0) {
            double sinceSent = Math.max(0, nowNanos - sentNanos) * ratePerNano();
            double reservedSince = Math.max(0, reservedTotal - reservedAt);
            // a little is left unused at the server: calls reach it a few ms apart from when they were paced,
            // and a bucket run at exactly zero refuses every call that arrives early
            double margin = Math.min(capacity * 0.2, perMinute * MARGIN_MS / MS_PER_MINUTE);
            double estimate = Math.min(capacity, remaining + sinceSent) - reservedSince - margin;
            // the server's view wins when it has less; a configured limit is never raised by what a server says
            level = configured ? Math.min(level, estimate) : estimate;
        }
    }

    /** A 429 for this bucket: whatever we thought, the server has nothing left right now. */
    synchronized void exhausted(long nowNanos) {
        refill(nowNanos);
        level = Math.min(level, 0);
    }

    synchronized double level(long nowNanos) {
        refill(nowNanos);
        return level;
    }

    synchronized double capacity() {
        return capacity;
    }

    private void refill(long nowNanos) {
        if (perMinute > 0 && nowNanos > updatedNanos) {
            level = Math.min(capacity, level + (nowNanos - updatedNanos) * ratePerNano());
        }
        updatedNanos = Math.max(updatedNanos, nowNanos);
    }

    private double ratePerNano() {
        return perMinute / MS_PER_MINUTE / 1_000_000.0;
    }
}
