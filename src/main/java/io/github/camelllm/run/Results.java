package io.github.camelllm.run;

import io.github.camelllm.PromptResult;
import io.github.camelllm.WorkItems;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;

import java.io.IOException;

/** The results stage: journals each final result and hands it on as JSON with naming headers. */
public final class Results {

    public static final String RUN_COMPLETE = "llmRunComplete";
    /** Set when the result could not be journaled: it is not handed on either. */
    public static final String NOT_RECORDED = "llmNotRecorded";

    private final RunRegistry runs;

    public Results(RunRegistry runs) {
        this.runs = runs;
    }

    public void record(Exchange exchange) throws IOException, InvalidPayloadException {
        PromptResult result = exchange.getMessage().getMandatoryBody(PromptResult.class);
        String json = runs.toJson(result);
        boolean complete;
        try {
            complete = runs.record(result, json);
        } catch (RunStorageException notJournaled) {
            // the registry stopped the run; a failing result must not look like a failed call (and be retried)
            complete = false;
            exchange.setProperty(NOT_RECORDED, true);
        }
        exchange.setProperty("llmRunId", result.runId());
        exchange.setProperty(RUN_COMPLETE, complete);
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader("llmCustomId", result.customId());
        message.setHeader("llmRunId", result.runId());
        message.setHeader("llmStatus", result.status());
        message.setHeader("llmLine", result.line());
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json);
    }

    /** A result that came back from another instance over a broker, as JSON text. */
    public PromptResult fromTransport(String json) {
        return WorkItems.resultFromJson(json);
    }

    /** Writes the run's outputs once; null when another thread already did. */
    public RunSummary finish(Exchange exchange) throws IOException {
        return runs.finish(exchange.getProperty("llmRunId", String.class));
    }
}
