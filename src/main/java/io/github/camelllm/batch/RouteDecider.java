package io.github.camelllm.batch;

import io.github.camelllm.PromptRequest;

/**
 * Decides per prompt between a real-time call and the Batch API: an explicit {@code "mode"} wins; otherwise
 * prompts whose estimated tokens exceed the threshold go to batch, when batching is enabled.
 */
public final class RouteDecider {

    private final boolean batchEnabled;
    private final int longPromptTokens;

    public RouteDecider(boolean batchEnabled, int longPromptTokens) {
        this.batchEnabled = batchEnabled;
        this.longPromptTokens = longPromptTokens;
    }

    public String route(PromptRequest request) {
        if (!batchEnabled) {
            return PromptRequest.REALTIME;
        }
        if (request.mode() != null) {
            return request.mode();
        }
        return request.estimatedTokens() > longPromptTokens ? PromptRequest.BATCH : PromptRequest.REALTIME;
    }
}
