package io.github.camelllm.flow;

import io.github.camelllm.openai.GoDuration;

import java.util.Map;
import java.util.OptionalLong;

/**
 * The rate limits of one model: a requests bucket, a tokens bucket, and a pause that a rate-limit answer puts
 * on every caller of the model at once (the wait belongs to the pipeline, not to each prompt: prompts that
 * each wait on their own timer come back together and are refused together).
 */
final class ModelLimits {

    private final Bucket requests;
    private final Bucket tokens;
    private long pausedUntilNanos;
    private int consecutive429;
    private long rateLimitedAnswers;
    /** No answer from this model yet: its limits are unknown, so only a few calls go out until one comes back. */
    private boolean answered;
    private int coldCalls;

    ModelLimits(double requestsPerMinute, double tokensPerMinute, long nowNanos) {
        this.requests = new Bucket(requestsPerMinute, nowNanos);
        this.tokens = new Bucket(tokensPerMinute, nowNanos);
        this.pausedUntilNanos = nowNanos;
        // both limits given: the buckets pace the first calls already, there is nothing to wait for an answer for
        this.answered = requestsPerMinute > 0 && tokensPerMinute > 0;
    }

    /**
     * A reservation for one attempt: how long to wait, the clocks to match its answer against, and the rate-limit
     * answers seen when it was made (a reservation made before a 429 is void: the server had less than we
     * thought, so it must queue again behind the pause instead of going out with everyone else when it ends).
     */
    record Reservation(long waitNanos, long requestsClock, long tokensClock, double tokens, long epoch) {
    }

    Reservation reserve(double tokenCost, long nowNanos) {
        long[] r = requests.reserve(1, nowNanos);
        long[] t = tokens.reserve(tokenCost, nowNanos);
        return new Reservation(Math.max(r[0], t[0]), r[1], t[1], tokenCost, epoch());
    }

    /** The limits as known now: per minute (0 while unknown) and what each bucket holds. */
    CallGate.Headroom headroom(long nowNanos) {
        return new CallGate.Headroom(requests.perMinute(), requests.level(nowNanos), tokens.perMinute(),
                tokens.level(nowNanos));
    }

    synchronized long epoch() {
        return rateLimitedAnswers;
    }

    void refund(Reservation reservation) {
        requests.refund(1);
        tokens.refund(reservation.tokens());
    }

    /**
     * Before the first answer, the limits are unknown: a full burst of llm.concurrency calls could take far more
     * than the server's bucket holds and come back as a storm of 429s. So at first only {@code coldStartCalls} go
     * out; the first answer (with its x-ratelimit headers, or without any) opens the way for the rest. With both
     * limits configured they are known from the start, and no call waits.
     *
     * @return true when this call may go now
     */
    synchronized boolean coldStart(int coldStartCalls) {
        if (answered) {
            return true;
        }
        if (coldCalls < coldStartCalls) {
            coldCalls++;
            return true;
        }
        return false;
    }

    /** An answer came back. Returns true when it was the first (the calls held for it may go now). */
    synchronized boolean firstAnswer() {
        boolean first = !answered;
        answered = true;
        return first;
    }

    /** A cold-start call ended without an answer: let another one try. */
    synchronized void coldCallEnded() {
        if (!answered && coldCalls > 0) {
            coldCalls--;
        }
    }

    synchronized long pausedUntil() {
        return pausedUntilNanos;
    }

    /** What an answer (any status) says about the buckets. Headers are in lower case. */
    void learn(Map<String, String> headers, Reservation reservation, long sentNanos, long nowNanos) {
        learn(requests, "requests", headers, reservation.requestsClock(), sentNanos, nowNanos);
        learn(tokens, "tokens", headers, reservation.tokensClock(), sentNanos, nowNanos);
    }

    private static void learn(Bucket bucket, String name, Map<String, String> headers, long clock, long sentNanos,
                              long nowNanos) {
        double limit = number(headers.get("x-ratelimit-limit-" + name));
        double remaining = number(headers.get("x-ratelimit-remaining-" + name));
        OptionalLong reset = GoDuration.millis(headers.get("x-ratelimit-reset-" + name));
        if (limit < 0 && remaining < 0) {
            return;
        }
        bucket.learn(limit, remaining, reset.isPresent() ? reset.getAsLong() : -1, clock, sentNanos, nowNanos);
    }

    synchronized void succeeded() {
        consecutive429 = 0;
    }

    /**
     * A 429 rate_limit_exceeded from a bucket: every caller of this model waits until the server said and the
     * exhausted bucket should hold the call again, whichever is later, or else for a backoff that grows with each
     * 429 in a row.
     *
     * @return the pause in nanoseconds from now
     */
    long rateLimited(String bucketName, long askedMillis, long fallbackInitialMs, long fallbackMaxMs,
                     double tokenCost, long nowNanos) {
        Bucket bucket = "tokens".equals(bucketName) ? tokens : requests;
        bucket.exhausted(nowNanos);
        long pauseNanos;
        synchronized (this) {
            consecutive429++;
            rateLimitedAnswers++;
            if (bucket.known()) {
                // never shorter than the bucket takes to refill the call's own cost: a server's wait that is exactly
                // when its bucket holds the call again releases every waiting caller onto a bucket at zero, and the
                // first that arrives a little early is refused again
                double cost = "tokens".equals(bucketName) ? tokenCost : 1;
                pauseNanos = Math.max(askedMillis * 1_000_000L, (long) (cost / bucket.perMinute() * 60_000_000_000.0));
            } else if (askedMillis > 0) {
                pauseNanos = askedMillis * 1_000_000L;
            } else {
                long ms = fallbackInitialMs << Math.min(20, consecutive429 - 1);
                pauseNanos = Math.min(ms, fallbackMaxMs) * 1_000_000L;
            }
            pausedUntilNanos = Math.max(pausedUntilNanos, nowNanos + pauseNanos);
        }
        return pauseNanos;
    }

    Bucket requests() {
        return requests;
    }

    Bucket tokens() {
        return tokens;
    }

    private static double number(String value) {
        if (value == null || value.isBlank()) {
            return -1;
        }
        try {
            double v = Double.parseDouble(value.trim());
            return Double.isFinite(v) && v >= 0 ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
