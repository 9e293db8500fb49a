package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters shared by all event loops. LongAdder for the hot totals (no contention between loops);
 * the in-flight gauge needs an exact value, so it is an AtomicInteger with a running peak.
 */
final class SimulatorStats {
    private final LongAdder requestsTotal = new LongAdder();
    private final LongAdder chatCompletions = new LongAdder();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder serverErrors = new LongAdder();
    private final LongAdder hangs = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();

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
    }

    void hung() {
        hangs.increment();
    }

    void resetPeak() {
        peakInFlight.set(inFlight.get());
    }

    long requestsTotal() {
        return requestsTotal.sum();
    }

    long chatCompletions() {
        return chatCompletions.sum();
    }

    long rateLimited() {
        return rateLimited.sum();
    }

    long serverErrors() {
        return serverErrors.sum();
    }

    long hangs() {
        return hangs.sum();
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
        node.put("peak_in_flight", peakInFlight());
        node.put("chat_completions", chatCompletions());
        node.put("responses_429", rateLimited());
        node.put("responses_5xx", serverErrors());
        node.put("hangs", hangs());
        return node;
    }
}
