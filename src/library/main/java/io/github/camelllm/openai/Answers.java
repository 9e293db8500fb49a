package io.github.camelllm.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.json.RawJson;
import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.PromptResult.Answer;
import io.github.camelllm.model.PromptResult.PromptTokensDetails;
import io.github.camelllm.model.PromptResult.Usage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads what a result keeps of an endpoint's answer (a real-time body, or a Batch API output line's body): the
 * text, the finish reason and the token usage, and the rest of the answer as the API wrote it (tool calls,
 * refusal, logprobs, every choice; output items; vectors; moderation results; with include-response the whole
 * body). An answer without what its endpoint always sends ({@code choices}, {@code output}, {@code data},
 * {@code results}) is an invalid response.
 */
public final class Answers {

    /** What a result keeps of one answer. */
    public record Read(String content, String finishReason, Usage usage, Answer answer) {
    }

    private final boolean includeResponse;

    /** @param includeResponse keep the whole response body in every result (llm.output.include-response) */
    public Answers(boolean includeResponse) {
        this.includeResponse = includeResponse;
    }

    /** Reads a 2xx answer's body. */
    public Read read(Endpoint endpoint, byte[] body) throws InvalidResponseException {
        if (endpoint == Endpoint.EMBEDDINGS) {
            return embeddings(body);
        }
        JsonNode node;
        try {
            node = Jackson.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidResponseException("response is not JSON (starts with: " + preview(body) + ")");
        } catch (IOException e) {
            throw new InvalidResponseException("response cannot be read: " + e.getMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidResponseException("response is not a JSON object (starts with: " + preview(body) + ")");
        }
        return read(endpoint, node, body);
    }

    /** Reads an answer already parsed ({@code node}) from its bytes ({@code body}, for exact copies). */
    public Read read(Endpoint endpoint, JsonNode node, byte[] body) throws InvalidResponseException {
        try {
            return switch (endpoint) {
                case CHAT_COMPLETIONS, COMPLETIONS -> choices(endpoint, node, body);
                case RESPONSES -> response(node, body);
                case EMBEDDINGS -> embeddings(body);
                case MODERATIONS -> moderations(node, body);
            };
        } catch (IOException e) {
            throw new InvalidResponseException("response cannot be read: " + e.getMessage());
        }
    }

    private Read choices(Endpoint endpoint, JsonNode node, byte[] body) throws IOException,
            InvalidResponseException {
        JsonNode choices = required(node, "choices", body);
        JsonNode first = choices.get(0);
        boolean chat = endpoint == Endpoint.CHAT_COMPLETIONS;
        JsonNode message = first.path("message");
        String content = chat ? text(message.get("content")) : text(first.get("text"));
        String toolCalls = chat && hasValue(message.get("tool_calls"))
                ? RawJson.first(body, "choices", "0", "message", "tool_calls") : null;
        String refusal = chat ? text(message.get("refusal")) : null;
        String logprobs = hasValue(first.get("logprobs")) ? RawJson.first(body, "choices", "0", "logprobs") : null;
        String all = choices.size() > 1 ? RawJson.first(body, "choices") : null;
        return new Read(content, text(first.get("finish_reason")), usage(node.get("usage")),
                answer(new Answer(toolCalls, refusal, logprobs, all, null, null, null, null), body));
    }

    /**
     * A response's output text is every {@code output_text} part of its message items, joined (what the SDKs call
     * output_text); its finish reason is its status, or why it is incomplete.
     */
    private Read response(JsonNode node, byte[] body) throws IOException, InvalidResponseException {
        JsonNode output = node.get("output");
        if (output == null || !output.isArray()) {
            throw new InvalidResponseException("response has no \"output\" (starts with: " + preview(body) + ")");
        }
        StringBuilder text = new StringBuilder();
        StringBuilder refusal = new StringBuilder();
        boolean hasText = false;
        for (JsonNode item : output) {
            if (!"message".equals(item.path("type").asText())) {
                continue;
            }
            for (JsonNode part : item.path("content")) {
                String type = part.path("type").asText();
                if ("output_text".equals(type)) {
                    text.append(part.path("text").asText(""));
                    hasText = true;
                } else if ("refusal".equals(type)) {
                    refusal.append(part.path("refusal").asText(""));
                }
            }
        }
        String finish = text(node.get("status"));
        JsonNode incomplete = node.path("incomplete_details").path("reason");
        if (incomplete.isTextual()) {
            finish = incomplete.asText();
        }
        JsonNode usage = node.get("usage");
        Usage tokens = usage == null || !usage.isObject() ? null : new Usage(usage.path("input_tokens").asLong(),
                usage.path("output_tokens").asLong(), usage.path("total_tokens")
                .asLong(usage.path("input_tokens").asLong() + usage.path("output_tokens").asLong()));
        return new Read(hasText ? text.toString() : null, finish, tokens, answer(new Answer(null,
                refusal.isEmpty() ? null : refusal.toString(), null, null, RawJson.first(body, "output"), null, null,
                null), body));
    }

    /**
     * The vectors exactly as sent, in input order (the API lists them by index), read in one pass without a tree:
     * an answer holds thousands of numbers per input, and a tree would make an object of each.
     */
    private Read embeddings(byte[] body) throws InvalidResponseException {
        List<String> vectors = null;
        List<Integer> indexes = new ArrayList<>();
        Usage usage = null;
        try (JsonParser p = Jackson.MAPPER.getFactory().createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new InvalidResponseException("response is not a JSON object (starts with: " + preview(body)
                        + ")");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if ("data".equals(name) && value == JsonToken.START_ARRAY) {
                    vectors = new ArrayList<>();
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        String vector = null;
                        int index = vectors.size();
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String field = p.currentName();
                            JsonToken token = p.nextToken();
                            if ("embedding".equals(field)) {
                                vector = RawJson.copy(p);
                            } else if ("index".equals(field) && token == JsonToken.VALUE_NUMBER_INT) {
                                index = p.getIntValue();
                            } else {
                                p.skipChildren();
                            }
                        }
                        if (vector == null) {
                            throw new InvalidResponseException("response has an embedding object without "
                                    + "\"embedding\" (starts with: " + preview(body) + ")");
                        }
                        vectors.add(vector);
                        indexes.add(index);
                    }
                    if (p.currentToken() != JsonToken.END_ARRAY) {
                        throw new InvalidResponseException("response has a \"data\" item that is not an object");
                    }
                } else if ("usage".equals(name) && value == JsonToken.START_OBJECT) {
                    usage = usage(Jackson.MAPPER.readTree(p));
                } else {
                    p.skipChildren();
                }
            }
        } catch (JsonProcessingException e) {
            throw new InvalidResponseException("response is not JSON (starts with: " + preview(body) + ")");
        } catch (IOException e) {
            throw new InvalidResponseException("response cannot be read: " + e.getMessage());
        }
        if (vectors == null) {
            throw new InvalidResponseException("response has no \"data\" (starts with: " + preview(body) + ")");
        }
        String[] ordered = new String[vectors.size()];
        for (int i = 0; i < ordered.length; i++) {
            int index = indexes.get(i);
            if (index < 0 || index >= ordered.length || ordered[index] != null) {
                throw new InvalidResponseException("response has an embedding with index " + index + " of "
                        + ordered.length);
            }
            ordered[index] = vectors.get(i);
        }
        StringBuilder all = new StringBuilder(vectors.stream().mapToInt(String::length).sum() + ordered.length + 2);
        all.append('[');
        for (int i = 0; i < ordered.length; i++) {
            all.append(i == 0 ? "" : ",").append(ordered[i]);
        }
        all.append(']');
        try {
            return new Read(null, null, usage,
                    answer(new Answer(null, null, null, null, null, all.toString(), null, null), body));
        } catch (IOException e) {
            throw new InvalidResponseException("response cannot be read: " + e.getMessage());
        }
    }

    private Read moderations(JsonNode node, byte[] body) throws IOException, InvalidResponseException {
        required(node, "results", body);
        return new Read(null, null, null,
                answer(new Answer(null, null, null, null, null, null, RawJson.first(body, "results"), null), body));
    }

    private Answer answer(Answer answer, byte[] body) throws IOException {
        if (includeResponse) {
            answer = new Answer(answer.toolCalls(), answer.refusal(), answer.logprobs(), answer.choices(),
                    answer.output(), answer.embeddings(), answer.moderations(), RawJson.compact(body));
        }
        return answer.isEmpty() ? null : answer;
    }

    private static JsonNode required(JsonNode node, String field, byte[] body) throws InvalidResponseException {
        JsonNode value = node.get(field);
        if (value == null || !value.isArray() || value.isEmpty()) {
            throw new InvalidResponseException("response has no \"" + field + "\" (starts with: " + preview(body)
                    + ")");
        }
        return value;
    }

    /** The usage object; total_tokens defaults to prompt + completion (embeddings have no completion tokens). */
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

    private static boolean hasValue(JsonNode node) {
        return node != null && !node.isNull() && !(node.isArray() && node.isEmpty());
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    static String preview(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 80), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        return body.length == 0 ? "<empty body>" : "'" + s + (body.length > 80 ? "…'" : "'");
    }
}
