package io.github.camelllm.run;

import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.json.WorkItems;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.support.ExpressionAdapter;

import java.io.IOException;

/** The results stage: journals each final result and hands it on as JSON with naming headers. */
public final class Results {

    /** {@link #record}: the result is in its run's journal. */
    public static final String JOURNALED = "journaled";
    /** {@link #record}: the result is in its run's journal and was the run's last one. */
    public static final String RUN_COMPLETE = "run-complete";
    /** {@link #record}: the journal cannot be written; the registry has stopped the run. */
    public static final String NOT_JOURNALED = "not-journaled";

    private final RunRegistry runs;
    private final ResultListener listener;

    public Results(RunRegistry runs) {
        this(runs, ResultListener.NONE);
    }

    /** @param listener told of every final result once it is journaled (progress, metrics) */
    public Results(RunRegistry runs, ResultListener listener) {
        this.runs = runs;
        this.listener = listener;
    }

    /**
     * Journals the result in the body and turns the message into its JSON line with the headers that name it.
     *
     * @return {@link #JOURNALED}, {@link #RUN_COMPLETE} or {@link #NOT_JOURNALED}
     */
    public String record(Exchange exchange) throws IOException, InvalidPayloadException {
        PromptResult result = exchange.getMessage().getMandatoryBody(PromptResult.class);
        String json = runs.toJson(result);
        String outcome;
        try {
            outcome = runs.record(result, json) ? RUN_COMPLETE : JOURNALED;
            listener.recorded(result, exchange);
        } catch (RunStorageException notJournaled) {
            // the registry stopped the run; a failing result must not look like a failed call (and be retried)
            outcome = NOT_JOURNALED;
        }
        exchange.setProperty(LlmConstants.RUN_ID, result.runId());
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(LlmConstants.CUSTOM_ID_HEADER, result.customId());
        message.setHeader(LlmConstants.RUN_ID_HEADER, result.runId());
        message.setHeader(LlmConstants.STATUS_HEADER, result.status());
        message.setHeader(LlmConstants.LINE_HEADER, result.line());
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(json);
        return outcome;
    }

    /** {@link #record} as the expression whose answer the results route keeps and tests (ref language). */
    public Expression recorder() {
        return new ExpressionAdapter() {
            @Override
            public Object evaluate(Exchange exchange) {
                try {
                    return record(exchange);
                } catch (IOException | InvalidPayloadException e) {
                    throw RuntimeCamelException.wrapRuntimeCamelException(e);
                }
            }
        };
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
