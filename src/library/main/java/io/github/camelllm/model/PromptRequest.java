package io.github.camelllm.model;

/**
 * One usable prompt line of a run, ready to be sent.
 *
 * @param runId           the run this prompt belongs to
 * @param line            1-based line number in the input (the ordering key of the run)
 * @param customId        the caller's id, or the line number when the line named none
 * @param model           the model the request body names
 * @param body            the request body, JSON, sent as is to its endpoint
 * @param mode            "realtime", "batch" or null (let the router decide)
 * @param estimatedTokens cheap prompt-size estimate used by the router
 * @param source          the input line exactly as read (for the failed-lines file)
 * @param endpoint        where it goes: chat completions, responses, embeddings, completions or moderations
 */
public record PromptRequest(String runId, long line, String customId, String model, String body,
                            String mode, int estimatedTokens, String source, Endpoint endpoint) {

    public PromptRequest {
        endpoint = endpoint == null ? Endpoint.CHAT_COMPLETIONS : endpoint;
    }

    /** A chat-completions request. */
    public PromptRequest(String runId, long line, String customId, String model, String body, String mode,
                         int estimatedTokens, String source) {
        this(runId, line, customId, model, body, mode, estimatedTokens, source, Endpoint.CHAT_COMPLETIONS);
    }

    /** The two routes a prompt can take (its {@code mode}, and the {@code route} of its result). */
    public static final String REALTIME = "realtime";
    public static final String BATCH = "batch";

    /**
     * Short on purpose: Camel's simple predicates (and logs) turn the body into
     * a String for their failure message on every line, and the record's default included the whole body.
     */
    @Override
    public String toString() {
        return "PromptRequest[run " + runId + ", line " + line + ", custom_id " + customId + "]";
    }
}
