package io.github.camelllm.observe;

import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.openai.CallOutcomes;
import io.github.camelllm.openai.CallState;

import java.util.Map;

/**
 * The chat client's report of every attempt, timed for the GenAI duration meter (and the 429s counted for the
 * status page) and then handed to the call gate
 * unchanged: the one place the metrics see the calls.
 */
final class ObservedCalls implements CallOutcomes {

    private final CallOutcomes gate;
    private final PipelineObserver observer;

    ObservedCalls(CallOutcomes gate, PipelineObserver observer) {
        this.gate = gate;
        this.observer = observer;
    }

    @Override
    public void answered(CallState call, Map<String, String> headers, ApiFailure failure) {
        observer.attempt(call, System.nanoTime() - call.sentNanos(), failure);
        gate.answered(call, headers, failure);
    }

    @Override
    public void unanswered(CallState call, String description) {
        observer.unanswered(call, System.nanoTime() - call.sentNanos());
        gate.unanswered(call, description);
    }
}
