package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The token count OpenAI's rate limiter charges for a chat request before running it: the larger of
 * the requested output budget ({@code max_completion_tokens} or {@code max_tokens}) and the prompt
 * estimate, one token per four characters of all message contents, rounded up. Used for the TPM
 * bucket and for the Batch API's enqueued-token limit alike.
 */
final class TokenEstimate {

    private TokenEstimate() {
    }

    static long of(JsonNode request) {
        long chars = 0;
        JsonNode messages = request == null ? null : request.get("messages");
        if (messages != null && messages.isArray()) {
            for (JsonNode message : messages) {
                chars += ChatCompletions.contentText(message.get("content")).length();
            }
        }
        JsonNode input = request == null ? null : request.get("input");
        if (input != null && input.isTextual()) {
            chars += input.asText().length();
        } else if (input != null && input.isArray()) {
            for (JsonNode item : input) {
                chars += item.isTextual() ? item.asText().length()
                        : ChatCompletions.contentText(item.get("content")).length();
            }
        }
        long budget = request == null ? 0 : Math.max(ChatCompletions.maxTokens(request),
                request.path("max_output_tokens").asLong(0));
        return Math.max(budget, (chars + 3) / 4);
    }
}
