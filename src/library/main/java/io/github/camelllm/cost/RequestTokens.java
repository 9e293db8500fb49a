package io.github.camelllm.cost;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.json.Jackson;

import java.io.IOException;

/**
 * What a chat-completions request body can cost in tokens before it is sent: its input tokens (the messages as the
 * model's tokenizer counts them, with the few tokens each message adds), and the most output tokens it may get
 * ({@code max_completion_tokens} or {@code max_tokens}; without either, the model's own output limit).
 *
 * @param inputTokens     the request's input tokens (for an unknown encoding: characters / 4)
 * @param maxOutputTokens the most output tokens the answer may have; -1 when nothing bounds it (no max_tokens and
 *                        the model's limit is unknown)
 * @param encoding        how the input was counted ({@code o200k_base}, {@code cl100k_base}, {@code characters/4})
 * @param outputBounded   max_tokens or max_completion_tokens set the bound (false: the model's limit, or none)
 */
public record RequestTokens(long inputTokens, long maxOutputTokens, String encoding, boolean outputBounded) {

    /** Tokens every chat message adds around its content (OpenAI's count for its current chat models). */
    private static final int PER_MESSAGE = 3;
    /** Tokens that prime the answer. */
    private static final int PER_REPLY = 3;

    /** Whether something bounds the output (max_tokens, or a known model limit). */
    public boolean bounded() {
        return maxOutputTokens >= 0;
    }

    /**
     * Counts a request body (JSON) for a model.
     *
     * @param price the model's price entry (its output limit bounds an answer without max_tokens), or null
     */
    public static RequestTokens of(String model, String body, ModelPrice price) {
        JsonNode node;
        try {
            node = body == null ? null : Jackson.MAPPER.readTree(body);
        } catch (IOException e) {
            node = null;
        }
        Tokenizer tokenizer = Tokenizer.of(model);
        long input;
        long maxOut = -1;
        boolean bounded = false;
        if (node == null || !node.isObject()) {
            input = tokenizer.count(body);
        } else {
            input = inputTokens(tokenizer, node);
            long limit = Math.max(number(node, "max_completion_tokens"), number(node, "max_tokens"));
            if (limit >= 0) {
                maxOut = limit;
                bounded = true;
            }
        }
        if (!bounded && price != null && price.maxOutputTokens() > 0) {
            maxOut = price.maxOutputTokens();
        }
        if (!bounded && price != null && price.output().signum() == 0) {
            maxOut = 0; // a model that writes no output (embeddings) costs its input only
        }
        return new RequestTokens(input, maxOut, tokenizer.encoding(), bounded);
    }

    private static long inputTokens(Tokenizer tokenizer, JsonNode body) {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray()) {
            JsonNode input = body.get("input"); // an embeddings or responses request
            return input == null ? tokenizer.count(body.toString()) : count(tokenizer, input);
        }
        long tokens = PER_REPLY;
        for (JsonNode message : messages) {
            tokens += PER_MESSAGE + tokenizer.count(message.path("role").asText(""));
            if (message.hasNonNull("name")) {
                tokens += 1 + tokenizer.count(message.get("name").asText());
            }
            tokens += count(tokenizer, message.get("content"));
        }
        return tokens;
    }

    /** A content: text, or parts of which the text ones are counted exactly and others by their JSON. */
    private static long count(Tokenizer tokenizer, JsonNode content) {
        if (content == null || content.isNull()) {
            return 0;
        }
        if (content.isTextual()) {
            return tokenizer.count(content.asText());
        }
        if (content.isArray()) {
            long n = 0;
            for (JsonNode part : content) {
                n += part.isTextual() ? tokenizer.count(part.asText())
                        : part.hasNonNull("text") ? tokenizer.count(part.get("text").asText())
                        : tokenizer.count(part.toString());
            }
            return n;
        }
        return tokenizer.count(content.toString());
    }

    private static long number(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isIntegralNumber() ? value.asLong() : -1;
    }
}
