package io.github.camelllm.intake;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.openai.TokenEstimator;


/**
 * Turns one input line into a chat-completions request body.
 * <p>
 * Two JSONL shapes are accepted: the simple {@code {"custom_id","prompt",...}} line and an OpenAI Batch API input
 * line {@code {"custom_id","method","url","body"}} whose body is sent as is. A {@code .txt} line is the prompt.
 */
public final class PromptParser {

    public static final String CHAT_URL = "/v1/chat/completions";
    /** Deepest nesting of a line: a chat request needs a handful of levels; 1,000 would only ever be an attack. */
    public static final int MAX_NESTING = 64;
    /** Longest number literal, in characters. */
    public static final int MAX_NUMBER_CHARS = 100;

    private final ObjectMapper json;
    private final String defaultModel;

    public PromptParser(ObjectMapper json, String defaultModel) {
        // a line is one JSON value: "{...} trailing words" is malformed, not silently truncated
        this.json = json.copy().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        // bounds that turn a hostile line (deep nesting, huge numbers or strings) into an invalid result
        this.json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING)
                .maxNumberLength(MAX_NUMBER_CHARS)
                .maxStringLength(Integer.MAX_VALUE - 16)
                .build());
        this.defaultModel = defaultModel;
    }

    /** A plain-text prompt (a {@code .txt} line, or a text message body). */
    public PromptRequest parseText(String runId, long line, String customId, String text) {
        ObjectNode body = json.createObjectNode();
        body.put("model", defaultModel);
        ArrayNode messages = body.putArray("messages");
        messages.addObject().put("role", "user").put("content", text);
        return new PromptRequest(runId, line, customId, defaultModel, body.toString(), null,
                TokenEstimator.estimate(text), text);
    }

    /** One JSONL line in either accepted shape. */
    public PromptRequest parseJson(String runId, long line, String text) throws InvalidLineException {
        JsonNode node;
        try {
            node = json.readTree(text);
        } catch (StreamConstraintsException e) {
            throw new InvalidLineException("invalid_json", "JSON over a safety limit: " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new InvalidLineException("invalid_json", "malformed JSON: " + e.getOriginalMessage()
                    + (at == null ? "" : " (at column " + at.getColumnNr() + ")"));
        }
        if (node == null || !node.isObject()) {
            throw new InvalidLineException("invalid_json", "expected a JSON object but the line is a JSON "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase()));
        }
        String customId = customId(node, line);
        String mode = mode(node);
        return node.has("body") ? batchShape(runId, line, customId, mode, (ObjectNode) node, text)
                : simpleShape(runId, line, customId, mode, (ObjectNode) node, text);
    }

    private PromptRequest simpleShape(String runId, long line, String customId, String mode, ObjectNode node,
                                      String text) throws InvalidLineException {
        JsonNode prompt = node.get("prompt");
        if (prompt == null || prompt.isNull()) {
            throw new InvalidLineException("missing_prompt",
                    "no prompt: the line needs a \"prompt\" string (or a Batch API \"body\")");
        }
        if (!prompt.isTextual() || prompt.asText().isBlank()) {
            throw new InvalidLineException("missing_prompt", "\"prompt\" must be a non-empty string");
        }
        String model = optionalText(node, "model", defaultModel);
        ObjectNode body = json.createObjectNode();
        body.put("model", model);
        ArrayNode messages = body.putArray("messages");
        int chars = prompt.asText().length();
        JsonNode system = node.get("system");
        if (system != null && !system.isNull()) {
            if (!system.isTextual()) {
                throw new InvalidLineException("invalid_field", "\"system\" must be a string");
            }
            messages.addObject().put("role", "system").put("content", system.asText());
            chars += system.asText().length();
        }
        messages.addObject().put("role", "user").put("content", prompt.asText());
        copyNumber(node, body, "max_tokens", true);
        copyNumber(node, body, "temperature", false);
        return new PromptRequest(runId, line, customId, model, body.toString(), mode, TokenEstimator.estimate(chars),
                text);
    }

    private PromptRequest batchShape(String runId, long line, String customId, String mode, ObjectNode node,
                                     String text) throws InvalidLineException {
        String url = optionalText(node, "url", CHAT_URL);
        if (!CHAT_URL.equals(url)) {
            throw new InvalidLineException("invalid_field", "unsupported url \"" + url + "\": only " + CHAT_URL);
        }
        String method = optionalText(node, "method", "POST");
        if (!"POST".equalsIgnoreCase(method)) {
            throw new InvalidLineException("invalid_field", "unsupported method \"" + method + "\": only POST");
        }
        JsonNode bodyNode = node.get("body");
        if (!bodyNode.isObject()) {
            throw new InvalidLineException("invalid_field", "\"body\" must be a JSON object");
        }
        ObjectNode body = (ObjectNode) bodyNode;
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new InvalidLineException("missing_prompt", "\"body.messages\" must be a non-empty array");
        }
        String model = optionalText(body, "model", null);
        if (model == null) {
            model = defaultModel;
            body.put("model", model);
        }
        int chars = 0;
        for (JsonNode message : messages) {
            JsonNode content = message.get("content");
            if (content != null) {
                chars += content.isTextual() ? content.asText().length() : content.toString().length();
            }
        }
        return new PromptRequest(runId, line, customId, model, body.toString(), mode, TokenEstimator.estimate(chars),
                text);
    }

    private static String customId(JsonNode node, long line) throws InvalidLineException {
        JsonNode id = node.get("custom_id");
        if (id == null || id.isNull()) {
            return Long.toString(line);
        }
        if (!(id.isTextual() || id.isIntegralNumber()) || id.asText().isBlank()) {
            throw new InvalidLineException("invalid_field", "\"custom_id\" must be a non-empty string");
        }
        return id.asText();
    }

    private static String mode(JsonNode node) throws InvalidLineException {
        String mode = optionalText(node, "mode", null);
        if (mode != null && !mode.equals(PromptRequest.BATCH) && !mode.equals(PromptRequest.REALTIME)) {
            throw new InvalidLineException("invalid_field", "\"mode\" must be \"batch\" or \"realtime\", not \""
                    + mode + "\"");
        }
        return mode;
    }

    private static String optionalText(JsonNode node, String field, String fallback) throws InvalidLineException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.isTextual()) {
            throw new InvalidLineException("invalid_field", "\"" + field + "\" must be a string");
        }
        return value.asText();
    }

    private static void copyNumber(ObjectNode from, ObjectNode to, String field, boolean integral)
            throws InvalidLineException {
        JsonNode value = from.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (integral ? !value.isIntegralNumber() : !value.isNumber()) {
            throw new InvalidLineException("invalid_field", "\"" + field + "\" must be " + (integral ? "an integer" : "a number"));
        }
        to.set(field, value);
    }

    /** Used by tests and the message entry point: does this text look like one JSON object? */
    public static boolean looksLikeJsonObject(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c)) {
                return c == '{';
            }
        }
        return false;
    }

}
