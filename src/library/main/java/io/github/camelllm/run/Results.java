package io.github.camelllm.run;

import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.json.WorkItems;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;

import java.io.IOException;

/** The results stage: journals each final result and hands it on as JSON with naming headers. */
public final class Results {

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
            exchange.setProperty(LlmConstants.NOT_RECORDED, true);
        }
        exchange.setProperty(LlmConstants.RUN_ID, result.runId());
        exchange.setProperty(LlmConstants.RUN_COMPLETE, complete);
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(LlmConstants.CUSTOM_ID_HEADER, result.customId());
        message.setHeader(LlmConstants.RUN_ID_HEADER, result.runId());
        message.setHeader(LlmConstants.STATUS_HEADER, result.status());
        message.setHeader(LlmConstants.LINE_HEADER, result.line());
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json);
    }

    /** A result that came back from another instance over a broker, as JSON text. */
    public PromptResult fromTransport(String json) {
        return WorkItems.resultFromJson(json);
    }

    /**
     * Writes the run's outputs once; null when another thread already did, or when they cannot be written: that
     * failure is the run's (its completion carries it to {@code run FILE}; the service says so once and tries
     * again later), not a failed exchange to log with a stack trace at every attempt.
     */
    public RunSummary finish(Exchange exchange) throws IOException {
        try {
            return runs.finish(exchange.getProperty(LlmConstants.RUN_ID, String.class));
        } catch (IOException notWritten) {
            return null;
        }
    }
}
