package io.github.camelllm.batch;

import io.github.camelllm.config.BatchConfig;
import io.github.camelllm.model.PromptRequest;
import org.apache.camel.Exchange;
import org.apache.camel.support.ExpressionAdapter;

/**
 * Decides per prompt between a real-time call and the Batch API: an explicit {@code "mode"} wins; otherwise
 * prompts whose estimated tokens exceed the threshold go to batch, when batching is enabled. The dispatch route
 * asks it (ref language) for the prompt in the body and keeps the answer, {@code realtime} or {@code batch}, as
 * {@code llmRoute}.
 */
public final class RouteDecider extends ExpressionAdapter {

    private final boolean batchEnabled;
    private final int longPromptTokens;

    public RouteDecider(BatchConfig batch) {
        this.batchEnabled = batch.enabled();
        this.longPromptTokens = batch.longPromptTokens();
    }

    @Override
    public Object evaluate(Exchange exchange) {
        return route(exchange.getMessage().getBody(PromptRequest.class));
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
