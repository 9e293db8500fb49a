package io.github.camelllm.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.model.PromptResult.PromptTokensDetails;
import io.github.camelllm.model.PromptResult.Usage;

/**
 * What this pipeline reads of a chat completion, real-time or a Batch API output line's body: the first choice's
 * content and finish reason, and the token usage (with the input tokens served from the prompt cache).
 */
public record ChatCompletion(String content, String finishReason, Usage usage) {

    /** True when the answer has a non-empty {@code choices} array (a real-time answer without one is invalid). */
    public static boolean hasChoices(JsonNode completion) {
        JsonNode choices = completion.get("choices");
        return choices != null && choices.isArray() && !choices.isEmpty();
    }

    public static ChatCompletion of(JsonNode completion) {
        JsonNode first = completion.path("choices").path(0);
        return new ChatCompletion(text(first.path("message").get("content")), text(first.get("finish_reason")),
                usage(completion.get("usage")));
    }

    /** The usage object; total_tokens defaults to prompt + completion when the answer leaves it out. */
    static Usage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        long prompt = usage.path("prompt_tokens").asLong();
        long completion = usage.path("completion_tokens").asLong();
        JsonNode cached = usage.path("prompt_tokens_details").get("cached_tokens");
        return new Usage(prompt, completion, usage.path("total_tokens").asLong(prompt + completion),
                cached != null && cached.isIntegralNumber() ? new PromptTokensDetails(cached.asLong()) : null);
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
