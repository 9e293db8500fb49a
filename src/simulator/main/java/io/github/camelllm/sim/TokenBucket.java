package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One continuously refilling bucket (requests or tokens of one model). Not thread-safe on its own:
 * {@link ModelRateLimiter} checks and charges its two buckets under one lock, so a request is
 * admitted only when both hold enough.
 * <p>
 * It also records what the benchmark needs to judge a client's pacing: the total admitted and the
 * times of the first and last admission. The bucket starts full, so no client can be admitted more
 * than capacity + refill over that span.
 */
final class TokenBucket {
    final long perMinute;
    final double capacity;
    private final double perNano;
    private double level;
    private long lastNanos;

    private long admittedTotal;
    private long firstAdmitNanos = -1;
    private long lastAdmitNanos = -1;

    TokenBucket(long perMinute, long burstMs, long nowNanos) {
        this.perMinute = perMinute;
        this.capacity = perMinute * (double) burstMs / SimulatorConfig.MINUTE_MS;
        this.perNano = perMinute / (SimulatorConfig.MINUTE_MS * 1_000_000.0);
        this.level = capacity;
        this.lastNanos = nowNanos;
    }

    void refill(long nowNanos) {
        if (nowNanos > lastNanos) {
            level = Math.min(capacity, level + (nowNanos - lastNanos) * perNano);
            lastNanos = nowNanos;
        }
    }

    boolean holds(long cost) {
        return level >= cost - 1e-9; // the same tolerance as millisFor, so "no wait" always means "fits"
    }

    void charge(long cost, long nowNanos) {
        level -= cost;
        admittedTotal += cost;
        lastAdmitNanos = nowNanos;
        if (firstAdmitNanos < 0) {
            firstAdmitNanos = nowNanos;
        }
    }

    /** Whole units left, as x-ratelimit-remaining-* reports them. */
    long remaining() {
        return (long) Math.floor(Math.max(0, level));
    }

    /** Milliseconds until {@code cost} fits, rounded up (0 when it fits now). */
    long millisUntil(long cost) {
        return millisFor(cost - level);
    }

    /** Milliseconds until the bucket is full again, as x-ratelimit-reset-* reports it. */
    long millisUntilFull() {
        return millisFor(capacity - level);
    }

    private long millisFor(double missing) {
        return missing <= 1e-9 ? 0 : (long) Math.ceil(missing / perNano / 1_000_000.0);
    }

    /** Units used in per-minute terms, for the "Used" figure of OpenAI's 429 message. */
    long usedPerMinute() {
        double scale = perMinute / capacity;
        return Math.max(0, Math.round((capacity - Math.max(0, level)) * scale));
    }

    long admittedTotal() {
        return admittedTotal;
    }

    /**
     * achieved_share = (admitted - capacity) / (refill over first..last admission): the rate the client got
     * beyond the initial full bucket, as a share of the limit. At most 1; null while nothing beyond the
     * initial bucket was admitted.
     */
    ObjectNode toJson(long startNanos) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("limit", perMinute);
        node.put("capacity", capacity);
        node.put("admitted", admittedTotal);
        node.put("first_admit_ms", firstAdmitNanos < 0 ? -1 : (firstAdmitNanos - startNanos) / 1_000_000);
        node.put("last_admit_ms", lastAdmitNanos < 0 ? -1 : (lastAdmitNanos - startNanos) / 1_000_000);
        double beyondBurst = admittedTotal - capacity;
        long spanNanos = lastAdmitNanos - firstAdmitNanos;
        if (firstAdmitNanos >= 0 && beyondBurst > 0 && spanNanos > 0) {
            node.put("achieved_share", beyondBurst / (spanNanos * perNano));
        } else {
            node.putNull("achieved_share");
        }
        return node;
    }
}
