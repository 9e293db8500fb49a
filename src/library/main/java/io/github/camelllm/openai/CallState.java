package io.github.camelllm.openai;

import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.model.PromptRequest;

/**
 * Everything that travels with one prompt through its real-time call and its retries, as one object on the
 * exchange (property {@value #PROPERTY}) rather than loose properties.
 */
public final class CallState {

    public static final String PROPERTY = LlmConstants.CALL;

    private final PromptRequest request;
    private final String replyTo;
    private final double tokenCost;
    private int attempts;
    private long firstAttemptNanos;
    private int rateLimited;
    private long firstRateLimitedNanos;
    private Object reservation;
    private long sentNanos;
    private String probe;
    private long holdUntilNanos;
    private boolean inFlight;
    private boolean watched;

    public CallState(PromptRequest request, String replyTo) {
        this.request = request;
        this.replyTo = replyTo;
        this.tokenCost = TokenEstimator.rateLimitCost(request);
    }

    public PromptRequest request() {
        return request;
    }

    /** The endpoint the call goes to (chat completions, embeddings, ...): its operation names it in metrics. */
    public Endpoint endpoint() {
        return request.endpoint();
    }

    /** Where the result goes: this instance's results endpoint, or the owner's queue across a broker. */
    public String getReplyTo() {
        return replyTo;
    }

    /** What the provider's limiter charges for this request: max(max_tokens, characters / 4). */
    public double tokenCost() {
        return tokenCost;
    }

    /** Counts an attempt that reaches the server. */
    public synchronized int startAttempt(long nowNanos) {
        attempts++;
        if (firstAttemptNanos == 0) {
            firstAttemptNanos = nowNanos;
        }
        sentNanos = nowNanos;
        return attempts;
    }

    /** An attempt that failed for a reason of the whole pipeline (rate limit, outage) does not use one up. */
    public synchronized void refundAttempt() {
        if (attempts > 0) {
            attempts--;
        }
    }

    public synchronized int attempts() {
        return Math.max(1, attempts);
    }

    public synchronized long latencyMs(long nowNanos) {
        return firstAttemptNanos == 0 ? 0 : (nowNanos - firstAttemptNanos) / 1_000_000;
    }

    public synchronized void rateLimited(long nowNanos) {
        rateLimited++;
        if (firstRateLimitedNanos == 0) {
            firstRateLimitedNanos = nowNanos;
        }
    }

    /** How many 429 rate-limit answers this prompt got. */
    public synchronized int rateLimitedCount() {
        return rateLimited;
    }

    /** Since when this prompt has been held back by rate limits, or 0. */
    public synchronized long firstRateLimitedNanos() {
        return firstRateLimitedNanos;
    }

    public synchronized long sentNanos() {
        return sentNanos;
    }

    /** The gate's reservation for the current attempt (opaque here), null when none is held. */
    public synchronized Object reservation() {
        return reservation;
    }

    public synchronized void reservation(Object value) {
        this.reservation = value;
    }

    /** Which health check this attempt is the probe of (an outage or a fault scope), or null. */
    public synchronized String probe() {
        return probe;
    }

    public synchronized void probe(String value) {
        this.probe = value;
    }

    /** Not before this time does the next attempt go out (a backoff of its own after a 429), 0 for none. */
    public synchronized long holdUntilNanos() {
        return holdUntilNanos;
    }

    public synchronized void holdUntil(long nanos) {
        this.holdUntilNanos = nanos;
    }

    /** Marks the attempt as counted among the calls in flight (it holds a permit of the gate). */
    public synchronized void countedInFlight() {
        this.inFlight = true;
    }

    /** Whether the attempt held a permit; clears it, so that it is given back once. */
    public synchronized boolean takeCountedInFlight() {
        boolean was = inFlight;
        inFlight = false;
        return was;
    }

    /** True the first time only: whoever asks first watches the prompt's end. */
    public synchronized boolean watchOnce() {
        boolean first = !watched;
        watched = true;
        return first;
    }

    @Override
    public String toString() {
        return "CallState[" + request + ", attempts " + attempts + "]";
    }
}
