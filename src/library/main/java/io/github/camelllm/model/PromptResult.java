package io.github.camelllm.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The final outcome of one input line: exactly one per line ends up in the run journal.
 *
 * @param status  "ok", "error" or "invalid"
 * @param route   "realtime", "batch" or null for lines that never reached a route
 */
public record PromptResult(String runId, String customId, long line, String status, String route,
                           String content, String finishReason, Usage usage, int attempts, long latencyMs,
                           ErrorInfo error, String batchId) {

    public static final String OK = "ok";
    public static final String ERROR = "error";
    public static final String INVALID = "invalid";

    public boolean ok() {
        return OK.equals(status);
    }

    public static PromptResult invalid(String runId, String customId, long line, String type, String message) {
        return new PromptResult(runId, customId, line, INVALID, null, null, null, null, 0, 0,
                new ErrorInfo(type, message, null), null);
    }

    public static PromptResult error(PromptRequest request, String route, int attempts, long latencyMs,
                                     ErrorInfo error, String batchId) {
        return new PromptResult(request.runId(), request.customId(), request.line(), ERROR, route, null, null,
                null, attempts, latencyMs, error, batchId);
    }

    /** Token counts as the API reported them. */
    public record Usage(@JsonProperty("prompt_tokens") long promptTokens,
                        @JsonProperty("completion_tokens") long completionTokens,
                        @JsonProperty("total_tokens") long totalTokens) {
    }

    /** Why a line has no answer; httpStatus is null when no HTTP response was involved. */
    public record ErrorInfo(String type, String message, @JsonProperty("http_status") Integer httpStatus) {
    }
}
