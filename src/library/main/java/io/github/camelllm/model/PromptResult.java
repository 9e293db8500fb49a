package io.github.camelllm.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The final outcome of one input line: one per line ends up in the run journal (a line that ended in error and
 * was sent again when its run was run again has a later record, which wins).
 *
 * @param status  "ok", "error" or "invalid"
 * @param route   "realtime", "batch" or null for lines that never reached a route
 * @param model   the model the line asked for (what its usage is priced at); null for lines that never reached a
 *                route
 */
public record PromptResult(String runId, String customId, long line, String status, String route,
                           String content, String finishReason, Usage usage, int attempts, long latencyMs,
                           ErrorInfo error, String batchId, String model) {

    public static final String OK = "ok";
    public static final String ERROR = "error";
    public static final String INVALID = "invalid";

    /** A result that names no model (an invalid line, or a caller that does not know it). */
    public PromptResult(String runId, String customId, long line, String status, String route, String content,
                        String finishReason, Usage usage, int attempts, long latencyMs, ErrorInfo error,
                        String batchId) {
        this(runId, customId, line, status, route, content, finishReason, usage, attempts, latencyMs, error, batchId,
                null);
    }

    public boolean ok() {
        return OK.equals(status);
    }

    public static PromptResult invalid(String runId, String customId, long line, String type, String message) {
        return new PromptResult(runId, customId, line, INVALID, null, null, null, null, 0, 0,
                new ErrorInfo(type, message, null), null, null);
    }

    public static PromptResult error(PromptRequest request, String route, int attempts, long latencyMs,
                                     ErrorInfo error, String batchId) {
        return new PromptResult(request.runId(), request.customId(), request.line(), ERROR, route, null, null,
                null, attempts, latencyMs, error, batchId, request.model());
    }

    /**
     * Token counts as the API reported them.
     *
     * @param promptTokensDetails {@code prompt_tokens_details} (cached_tokens: input served from the API's prompt
     *                            cache, part of prompt_tokens); null when the answer had none
     */
    public record Usage(@JsonProperty("prompt_tokens") long promptTokens,
                        @JsonProperty("completion_tokens") long completionTokens,
                        @JsonProperty("total_tokens") long totalTokens,
                        @JsonProperty("prompt_tokens_details") @JsonInclude(JsonInclude.Include.NON_NULL)
                        PromptTokensDetails promptTokensDetails) {

        public Usage(long promptTokens, long completionTokens, long totalTokens) {
            this(promptTokens, completionTokens, totalTokens, null);
        }

        /** Input tokens the API served from its prompt cache (0 when it did not say). */
        public long cachedTokens() {
            return promptTokensDetails == null ? 0 : promptTokensDetails.cachedTokens();
        }
    }

    /** The part of the input the API served from its prompt cache. */
    public record PromptTokensDetails(@JsonProperty("cached_tokens") long cachedTokens) {
    }

    /** Why a line has no answer; httpStatus is null when no HTTP response was involved. */
    public record ErrorInfo(String type, String message, @JsonProperty("http_status") Integer httpStatus) {
    }
}
