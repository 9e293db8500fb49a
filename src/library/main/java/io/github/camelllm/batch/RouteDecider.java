package io.github.camelllm.batch;

import io.github.camelllm.config.BatchConfig;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.model.PromptRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * Decides per prompt between a real-time call and the Batch API: an explicit {@code "mode"} wins; otherwise
 * prompts whose estimated tokens exceed the threshold go to batch, when batching is enabled. As a step of the
 * dispatch route it sets the exchange property {@code llmRoute} for the prompt in the body.
 */
public final class RouteDecider implements Processor {

    private final boolean batchEnabled;
    private final int longPromptTokens;

    public RouteDecider(BatchConfig batch) {
        this.batchEnabled = batch.enabled();
        this.longPromptTokens = batch.longPromptTokens();
    }

    @Override
    public void process(Exchange exchange) {
        exchange.setProperty(LlmConstants.ROUTE, route(exchange.getMessage().getBody(PromptRequest.class)));
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
