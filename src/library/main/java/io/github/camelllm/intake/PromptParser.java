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
import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.openai.TokenEstimator;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;


/**
 * Turns one input line into a request body for its endpoint.
 * <p>
 * Two JSONL shapes are accepted. An OpenAI Batch API input line {@code {"custom_id","method","url","body"}}: its
 * {@code url} names the endpoint (chat completions, responses, embeddings, completions, moderations) and its body
 * is sent as is. A simple line goes to {@code llm.endpoint}: {@code {"custom_id","prompt",...}} for chat,
 * responses and completions, {@code {"custom_id","input"}} (a text or a list of texts) for embeddings and
 * moderations; any other request field rides in its {@code "body"} object, merged into the request. A field a
 * simple line does not know is an invalid line naming it, never dropped. A {@code .txt} line is the prompt (the
 * input, for embeddings and moderations).
 */
public final class PromptParser {

    public static final String CHAT_URL = Endpoint.CHAT_COMPLETIONS.url();
    /** Deepest nesting of a line: a chat request needs a handful of levels; 1,000 would only ever be an attack. */
    public static final int MAX_NESTING = 64;
    /** Longest number literal, in characters. */
    public static final int MAX_NUMBER_CHARS = 100;
    /** The model a moderations request without one gets from the API (it is not written into the body). */
    public static final String DEFAULT_MODERATION_MODEL = "omni-moderation-latest";

    /** The fields of a simple line; every other request field goes in its "body". */
    private static final Set<String> SIMPLE_FIELDS = Set.of("custom_id", "mode", "model", "prompt", "system",
            "input", "max_tokens", "temperature", "body", "metadata");
    /** The fields of a Batch API line (and this pipeline's "mode"). */
    private static final Set<String> BATCH_FIELDS = Set.of("custom_id", "mode", "method", "url", "body");

    private final ObjectMapper json;
    private final String defaultModel;
    private final Endpoint defaultEndpoint;

    public PromptParser(ObjectMapper json, String defaultModel) {
        this(json, defaultModel, Endpoint.CHAT_COMPLETIONS);
    }

    /** @param defaultEndpoint where simple lines and text lines go ({@code llm.endpoint}) */
    public PromptParser(ObjectMapper json, String defaultModel, Endpoint defaultEndpoint) {
        // a line is one JSON value: "{...} trailing words" is malformed, not silently truncated
        this.json = json.copy().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        // bounds that turn a hostile line (deep nesting, huge numbers or strings) into an invalid result
        this.json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(MAX_NESTING)
                .maxNumberLength(MAX_NUMBER_CHARS)
                .maxStringLength(Integer.MAX_VALUE - 16)
                .build());
        this.defaultModel = defaultModel;
        this.defaultEndpoint = defaultEndpoint;
    }

    /** A plain-text prompt (a {@code .txt} line, or a text message body), sent to {@code llm.endpoint}. */
    public PromptRequest parseText(String runId, long line, String customId, String text) {
        ObjectNode body = json.createObjectNode();
        Endpoint endpoint = defaultEndpoint;
        if (endpoint != Endpoint.MODERATIONS) {
            body.put("model", defaultModel);
        }
        switch (endpoint) {
            case CHAT_COMPLETIONS -> body.putArray("messages").addObject().put("role", "user").put("content", text);
            case RESPONSES, EMBEDDINGS, MODERATIONS -> body.put("input", text);
            case COMPLETIONS -> body.put("prompt", text);
        }
        return new PromptRequest(runId, line, customId, modelOf(body, endpoint), body.toString(), null,
                TokenEstimator.estimate(text), text, endpoint);
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
        try {
            String mode = mode(node);
            return isBatchLine(node) ? batchShape(runId, line, customId, mode, (ObjectNode) node, text)
                    : simpleShape(runId, line, customId, mode, (ObjectNode) node, text);
        } catch (InvalidLineException e) {
            throw node.hasNonNull("custom_id") ? e.of(customId) : e;
        }
    }

    /** A Batch API line names its url or method; a line with only a body (no prompt or input) is one too. */
    private static boolean isBatchLine(JsonNode node) {
        return node.has("url") || node.has("method")
                || (node.has("body") && !node.has("prompt") && !node.has("input"));
    }

    private PromptRequest simpleShape(String runId, long line, String customId, String mode, ObjectNode node,
                                      String text) throws InvalidLineException {
        Endpoint endpoint = defaultEndpoint;
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!SIMPLE_FIELDS.contains(name)) {
                throw new InvalidLineException("unknown_field", "unknown field \"" + name + "\": a line takes "
                        + "custom_id, model, prompt, system, input, max_tokens, temperature, mode and metadata (kept "
                        + "in the input only); other request fields go in its \"body\" object (or use a Batch API "
                        + "line)");
            }
        }
        JsonNode extra = node.get("body");
        if (extra != null && !extra.isNull() && !extra.isObject()) {
            throw new InvalidLineException("invalid_field", "\"body\" must be a JSON object");
        }
        boolean bodyNamesModel = extra != null && extra.has("model");
        String model = optionalText(node, "model", null);
        if (model != null && bodyNamesModel) {
            throw new InvalidLineException("invalid_field", "\"body.model\" repeats the line's \"model\": give "
                    + "it once");
        }
        if (bodyNamesModel) {
            model = optionalText(extra, "model", null);
        }
        if (model == null && endpoint != Endpoint.MODERATIONS) {
            model = defaultModel;
        }
        ObjectNode body = json.createObjectNode();
        if (model != null) {
            body.put("model", model);
        }
        int chars = switch (endpoint) {
            case CHAT_COMPLETIONS -> chatFields(node, body);
            case RESPONSES -> responsesFields(node, body);
            case COMPLETIONS -> completionsFields(node, body);
            case EMBEDDINGS, MODERATIONS -> inputFields(node, body, endpoint);
        };
        if (extra != null && !extra.isNull()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = extra.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().equals("model")) {
                    continue;
                }
                if (body.has(field.getKey())) {
                    throw new InvalidLineException("invalid_field", "\"body." + field.getKey() + "\" repeats what "
                            + "the line's own fields set (\"" + field.getKey() + "\" of the " + endpoint.url()
                            + " request): give it once");
                }
                body.set(field.getKey(), field.getValue());
            }
        }
        return new PromptRequest(runId, line, customId, modelOf(body, endpoint), body.toString(), mode,
                TokenEstimator.estimate(chars), text, endpoint);
    }

    /** prompt and system as messages; max_tokens and temperature as they are. */
    private int chatFields(ObjectNode node, ObjectNode body) throws InvalidLineException {
        notFor(node, Endpoint.CHAT_COMPLETIONS, "input");
        String prompt = prompt(node);
        ArrayNode messages = body.putArray("messages");
        int chars = prompt.length();
        String system = optionalText(node, "system", null);
        if (system != null) {
            messages.addObject().put("role", "system").put("content", system);
            chars += system.length();
        }
        messages.addObject().put("role", "user").put("content", prompt);
        copyNumber(node, body, "max_tokens", "max_tokens", true);
        copyNumber(node, body, "temperature", "temperature", false);
        return chars;
    }

    /** prompt as input, system as instructions, max_tokens as max_output_tokens. */
    private int responsesFields(ObjectNode node, ObjectNode body) throws InvalidLineException {
        notFor(node, Endpoint.RESPONSES, "input");
        String prompt = prompt(node);
        int chars = prompt.length();
        String system = optionalText(node, "system", null);
        if (system != null) {
            body.put("instructions", system);
            chars += system.length();
        }
        body.put("input", prompt);
        copyNumber(node, body, "max_tokens", "max_output_tokens", true);
        copyNumber(node, body, "temperature", "temperature", false);
        return chars;
    }

    private int completionsFields(ObjectNode node, ObjectNode body) throws InvalidLineException {
        notFor(node, Endpoint.COMPLETIONS, "input", "system");
        String prompt = prompt(node);
        body.put("prompt", prompt);
        copyNumber(node, body, "max_tokens", "max_tokens", true);
        copyNumber(node, body, "temperature", "temperature", false);
        return prompt.length();
    }

    /** Embeddings and moderations read one input: a text or a list of texts. */
    private int inputFields(ObjectNode node, ObjectNode body, Endpoint endpoint) throws InvalidLineException {
        notFor(node, endpoint, "prompt", "system", "max_tokens", "temperature");
        JsonNode input = node.get("input");
        if (input == null || input.isNull()) {
            throw new InvalidLineException("missing_input", "no input: a line for " + endpoint.url()
                    + " needs an \"input\" text or list of texts");
        }
        body.set("input", input);
        return inputChars(input, endpoint, "\"input\"");
    }

    private static int inputChars(JsonNode input, Endpoint endpoint, String field) throws InvalidLineException {
        if (input.isTextual() && !input.asText().isEmpty()) {
            return input.asText().length();
        }
        if (input.isArray() && !input.isEmpty()) {
            int chars = 0;
            for (JsonNode item : input) {
                if (item.isTextual() && !item.asText().isEmpty()) {
                    chars += item.asText().length();
                } else if (endpoint == Endpoint.EMBEDDINGS && item.isArray() && !item.isEmpty()) {
                    chars += item.size() * 4; // a list of token ids: one token each
                } else if (endpoint == Endpoint.EMBEDDINGS && item.isIntegralNumber()) {
                    chars += 4;
                } else if (endpoint == Endpoint.MODERATIONS && item.isObject()) {
                    chars += item.path("text").asText("").length();
                } else {
                    throw new InvalidLineException("invalid_field", field + " must be a non-empty text or a list of "
                            + "non-empty texts");
                }
            }
            return chars;
        }
        throw new InvalidLineException(input.isTextual() || input.isArray() ? "missing_input" : "invalid_field",
                field + " must be a non-empty text or a list of non-empty texts");
    }

    private static String prompt(JsonNode node) throws InvalidLineException {
        JsonNode prompt = node.get("prompt");
        if (prompt == null || prompt.isNull()) {
            throw new InvalidLineException("missing_prompt",
                    "no prompt: the line needs a \"prompt\" string (or a Batch API \"body\")");
        }
        if (!prompt.isTextual() || prompt.asText().isBlank()) {
            throw new InvalidLineException("missing_prompt", "\"prompt\" must be a non-empty string");
        }
        return prompt.asText();
    }

    /** Fields a simple line may not use for this endpoint. */
    private static void notFor(JsonNode node, Endpoint endpoint, String... fields) throws InvalidLineException {
        for (String field : fields) {
            if (node.has(field)) {
                String takes = endpoint == Endpoint.EMBEDDINGS || endpoint == Endpoint.MODERATIONS ? "\"input\""
                        : "\"prompt\"";
                throw new InvalidLineException("invalid_field", "\"" + field + "\" has no meaning for "
                        + endpoint.url() + " (llm.endpoint=" + endpoint.setting() + "), which takes " + takes
                        + "; other request fields go in the line's \"body\"");
            }
        }
    }

    private PromptRequest batchShape(String runId, long line, String customId, String mode, ObjectNode node,
                                     String text) throws InvalidLineException {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!BATCH_FIELDS.contains(name)) {
                throw new InvalidLineException("unknown_field", "unknown field \"" + name + "\": a Batch API line "
                        + "takes custom_id, method, url and body (and this pipeline's mode)");
            }
        }
        String url = optionalText(node, "url", defaultEndpoint.url());
        Endpoint endpoint = Endpoint.ofUrl(url);
        if (endpoint == null) {
            throw new InvalidLineException("invalid_field", "unsupported url \"" + url + "\": the Batch API takes "
                    + Endpoint.urls());
        }
        String method = optionalText(node, "method", "POST");
        if (!"POST".equalsIgnoreCase(method)) {
            throw new InvalidLineException("invalid_field", "unsupported method \"" + method + "\": only POST");
        }
        JsonNode bodyNode = node.get("body");
        if (bodyNode == null || !bodyNode.isObject()) {
            throw new InvalidLineException("invalid_field", "\"body\" must be a JSON object");
        }
        ObjectNode body = (ObjectNode) bodyNode;
        int chars = switch (endpoint) {
            case CHAT_COMPLETIONS -> messagesChars(body);
            case RESPONSES -> responsesChars(body);
            case COMPLETIONS -> completionsChars(body);
            case EMBEDDINGS, MODERATIONS -> {
                JsonNode input = body.get("input");
                if (input == null || input.isNull()) {
                    throw new InvalidLineException("missing_input", "\"body.input\" is missing: " + endpoint.url()
                            + " needs an input text or list of texts");
                }
                yield inputChars(input, endpoint, "\"body.input\"");
            }
        };
        String model = optionalText(body, "model", null);
        if (model == null && endpoint != Endpoint.MODERATIONS) {
            body.put("model", defaultModel);
        }
        return new PromptRequest(runId, line, customId, modelOf(body, endpoint), body.toString(), mode,
                TokenEstimator.estimate(chars), text, endpoint);
    }

    private static int messagesChars(ObjectNode body) throws InvalidLineException {
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new InvalidLineException("missing_prompt", "\"body.messages\" must be a non-empty array");
        }
        int chars = 0;
        for (JsonNode message : messages) {
            chars += textChars(message.get("content"));
        }
        return chars;
    }

    private static int responsesChars(ObjectNode body) throws InvalidLineException {
        JsonNode input = body.get("input");
        boolean template = body.hasNonNull("prompt") || body.hasNonNull("previous_response_id")
                || body.hasNonNull("conversation");
        if ((input == null || input.isNull() || (input.isTextual() && input.asText().isEmpty())
                || (input.isArray() && input.isEmpty())) && !template) {
            throw new InvalidLineException("missing_prompt", "\"body.input\" must be a non-empty text or list of "
                    + "input items (or the body names a \"prompt\" template)");
        }
        return textChars(input) + textChars(body.get("instructions"));
    }

    private static int completionsChars(ObjectNode body) throws InvalidLineException {
        JsonNode prompt = body.get("prompt");
        if (prompt == null || prompt.isNull()) {
            throw new InvalidLineException("missing_prompt", "\"body.prompt\" is missing: /v1/completions needs "
                    + "a prompt");
        }
        return textChars(prompt);
    }

    private static int textChars(JsonNode content) {
        if (content == null || content.isNull()) {
            return 0;
        }
        return content.isTextual() ? content.asText().length() : content.toString().length();
    }

    /** The model a request names: the one in its body (moderations may name none: the API's default then). */
    private static String modelOf(ObjectNode body, Endpoint endpoint) {
        JsonNode model = body.get("model");
        return model != null && model.isTextual() ? model.asText()
                : endpoint == Endpoint.MODERATIONS ? DEFAULT_MODERATION_MODEL : "";
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

    private static void copyNumber(ObjectNode from, ObjectNode to, String field, String as, boolean integral)
            throws InvalidLineException {
        JsonNode value = from.get(field);
        if (value == null || value.isNull()) {
            return;
        }
        if (integral ? !value.isIntegralNumber() : !value.isNumber()) {
            throw new InvalidLineException("invalid_field", "\"" + field + "\" must be " + (integral ? "an integer" : "a number"));
        }
        to.set(as, value);
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
