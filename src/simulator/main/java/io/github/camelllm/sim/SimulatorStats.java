package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters shared by all event loops. LongAdder for the hot totals (no contention between loops);
 * the in-flight gauge needs an exact value, so it is an AtomicInteger with a running peak.
 */
final class SimulatorStats {
    private final LongAdder requestsTotal = new LongAdder();
    private final LongAdder chatRequests = new LongAdder();
    private final LongAdder chatCompletions = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder rateLimitRejections = new LongAdder();
    private final LongAdder quotaRejections = new LongAdder();
    private final LongAdder serverErrors = new LongAdder();
    private final LongAdder hangs = new LongAdder();
    private final LongAdder resets = new LongAdder();
    private final LongAdder outageAnswers = new LongAdder();
    private final LongAdder tokensCharged = new LongAdder();
    private final LongAdder batchTokenLimitFailures = new LongAdder();
    /** The most requests and tokens one model's unfinished batches held at once (at a batch's creation). */
    private final AtomicLong batchPeakEnqueuedRequests = new AtomicLong();
    private final AtomicLong batchPeakEnqueuedTokens = new AtomicLong();
    private final LongAdder concurrencyRejections = new LongAdder();
    private final Map<Integer, LongAdder> chatByStatus = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    /** Wall-clock time of the latest chat request's arrival or answer, whichever came last. */
    private final AtomicLong lastChatMs = new AtomicLong();
    /**
     * Wall-clock time of the first chat request after a second without any chat request arriving or being answered:
     * when the latest client began (a client whose first few calls wait longer than a second for their answers
     * before it sends the rest is still one client).
     */
    private volatile long chatBurstStartMs = -1;

    void requestArrived() {
        requestsTotal.increment();
        int now = inFlight.incrementAndGet();
        peakInFlight.accumulateAndGet(now, Math::max);
    }

    void requestFinished() {
        inFlight.decrementAndGet();
    }

    void responded(int status, boolean chatCompletion) {
        if (status == 429) {
            rateLimited.increment();
        } else if (status >= 500) {
            serverErrors.increment();
        } else if (status == 200 && chatCompletion) {
            chatCompletions.increment();
        }
        if (chatCompletion) {
            chatByStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
            lastChatMs.accumulateAndGet(System.currentTimeMillis(), Math::max);
        }
    }

    void chatRequest() {
        chatRequests.increment();
        long now = System.currentTimeMillis();
        if (now - lastChatMs.getAndSet(now) >= 1000) {
            chatBurstStartMs = now;
        }
    }

    /** A 429 from the request/token buckets (not a random one, not quota). */
    void rateLimitRejected() {
        rateLimitRejections.increment();
    }

    /** A 429 of a gateway's cap on the calls in flight. */
    void concurrencyRejected() {
        concurrencyRejections.increment();
    }

    long concurrencyRejections() {
        return concurrencyRejections.sum();
    }

    void quotaRejected() {
        quotaRejections.increment();
    }

    void outageAnswered() {
        outageAnswers.increment();
    }

    void tokensCharged(long tokens) {
        tokensCharged.add(tokens);
    }

    void batchTokenLimitFailed() {
        batchTokenLimitFailures.increment();
    }

    /** A batch was created: its model's unfinished batches now hold this many requests and tokens. */
    void batchEnqueued(long requests, long tokens) {
        batchPeakEnqueuedRequests.accumulateAndGet(requests, Math::max);
        batchPeakEnqueuedTokens.accumulateAndGet(tokens, Math::max);
    }

    long batchTokenLimitFailures() {
        return batchTokenLimitFailures.sum();
    }

    long batchPeakEnqueuedRequests() {
        return batchPeakEnqueuedRequests.get();
    }

    long batchPeakEnqueuedTokens() {
        return batchPeakEnqueuedTokens.get();
    }

    void hung() {
        hangs.increment();
    }

    void reset() {
        resets.increment();
    }

    void resetPeak() {
        peakInFlight.set(inFlight.get());
    }

    long requestsTotal() {
        return requestsTotal.sum();
    }

    long chatRequests() {
        return chatRequests.sum();
    }

    long chatCompletions() {
        return chatCompletions.sum();
    }

    long rateLimited() {
        return rateLimited.sum();
    }

    long rateLimitRejections() {
        return rateLimitRejections.sum();
    }

    long quotaRejections() {
        return quotaRejections.sum();
    }

    long serverErrors() {
        return serverErrors.sum();
    }

    long hangs() {
        return hangs.sum();
    }

    long resets() {
        return resets.sum();
    }

    long tokensCharged() {
        return tokensCharged.sum();
    }

    int inFlight() {
        return inFlight.get();
    }

    int peakInFlight() {
        return peakInFlight.get();
    }

    ObjectNode toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("requests_total", requestsTotal());
        node.put("in_flight", inFlight());
        node.put("concurrency_rejections", concurrencyRejections());
        node.put("peak_in_flight", peakInFlight());
        node.put("chat_requests", chatRequests());
        node.put("chat_burst_start_epoch_ms", chatBurstStartMs);
        node.put("chat_completions", chatCompletions());
        node.put("responses_429", rateLimited());
        node.put("responses_429_rate_limit", rateLimitRejections());
        node.put("responses_429_quota", quotaRejections());
        node.put("responses_5xx", serverErrors());
        node.put("outage_answers", outageAnswers.sum());
        node.put("hangs", hangs());
        node.put("connection_resets", resets());
        node.put("tokens_charged", tokensCharged());
        node.put("batches_token_limit_exceeded", batchTokenLimitFailures.sum());
        node.put("batch_peak_enqueued_requests", batchPeakEnqueuedRequests());
        node.put("batch_peak_enqueued_tokens", batchPeakEnqueuedTokens());
        ObjectNode byStatus = node.putObject("chat_by_status");
        new TreeMap<>(chatByStatus).forEach((status, count) -> byStatus.put(Integer.toString(status), count.sum()));
        return node;
    }
}
