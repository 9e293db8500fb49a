package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Produces chat completions whose content is a pure function of the request ("echo: " + last
 * message), so callers can check that every result belongs to its prompt. Shared by the real-time
 * endpoint and the batch runner.
 */
final class ChatCompletions {
    static final int MAX_CONTENT_CHARS = 200;
    private static final Pattern STATUS_MARKER = Pattern.compile("\\[sim:status=(\\d{3})]");
    private static final Pattern LATENCY_MARKER = Pattern.compile("\\[sim:latency=(\\d{1,9})]");
    private static final String HANG_MARKER = "[sim:hang]";

    private ChatCompletions() {
    }

    /**
     * The answer to one chat request before faults drawn at random are applied.
     *
     * @param status          200, 400 for an invalid body, or the status a marker asked for
     * @param body            the chat.completion object or an OpenAI error object
     * @param latencyOverride delay asked for by a {@code [sim:latency=MS]} marker, or -1
     * @param hang            a {@code [sim:hang]} marker was present
     */
    record Outcome(int status, ObjectNode body, long latencyOverride, boolean hang) {
    }

    /** The 400 for a body that is not a chat request, or null when it is one. */
    static Outcome validate(JsonNode request) {
        if (request == null || !request.isObject()) {
            return invalid("The request body must be a JSON object.", null);
        }
        JsonNode model = request.get("model");
        if (model == null || !model.isTextual() || model.asText().isEmpty()) {
            return invalid("you must provide a model parameter", "model");
        }
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return invalid("'messages' must be a non-empty array", "messages");
        }
        return null;
    }

    static Outcome answer(JsonNode request) {
        Outcome invalid = validate(request);
        if (invalid != null) {
            return invalid;
        }
        JsonNode model = request.get("model");
        JsonNode messages = request.get("messages");
        int promptChars = 0;
        String last = "";
        for (JsonNode message : messages) {
            last = contentText(message.get("content"));
            promptChars += last.length();
        }

        long latencyOverride = -1;
        boolean hang = false;
        if (last.contains("[sim:")) {
            Matcher status = STATUS_MARKER.matcher(last);
            if (status.find()) {
                int code = Integer.parseInt(status.group(1));
                if (code != 200) {
                    return new Outcome(code, OpenAiErrors.bodyForStatus(code), latencyMarker(last), false);
                }
            }
            latencyOverride = latencyMarker(last);
            hang = last.contains(HANG_MARKER);
        }

        String content = "echo: " + last;
        if (content.length() > MAX_CONTENT_CHARS) {
            content = content.substring(0, MAX_CONTENT_CHARS);
        }
        String finishReason = "stop";
        long maxTokens = maxTokens(request);
        if (maxTokens > 0 && tokens(content.length()) > maxTokens) {
            content = content.substring(0, (int) Math.min(content.length(), maxTokens * 4));
            finishReason = "length";
        }
        return new Outcome(200, completion(model.asText(), content, finishReason, promptChars), latencyOverride, hang);
    }

    private static ObjectNode completion(String model, String content, String finishReason, int promptChars) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("id", Ids.next("chatcmpl-"));
        body.put("object", "chat.completion");
        body.put("created", System.currentTimeMillis() / 1000);
        body.put("model", model);
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", content);
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        long promptTokens = Math.max(1, tokens(promptChars));
        long completionTokens = tokens(content.length());
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        body.putNull("system_fingerprint");
        return body;
    }

    /** Rough OpenAI rule of thumb: one token per four characters, rounded up. */
    static long tokens(int chars) {
        return (chars + 3L) / 4;
    }

    static long maxTokens(JsonNode request) {
        JsonNode max = request.get("max_completion_tokens");
        if (max == null || !max.canConvertToLong()) {
            max = request.get("max_tokens");
        }
        return max != null && max.canConvertToLong() ? max.asLong() : 0;
    }

    /** Message content is either a string or an array of parts; only text parts count. */
    static String contentText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                JsonNode text = part.get("text");
                if (text != null && text.isTextual()) {
                    sb.append(text.asText());
                }
            }
            return sb.toString();
        }
        return content.toString();
    }

    private static long latencyMarker(String text) {
        Matcher m = LATENCY_MARKER.matcher(text);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static Outcome invalid(String message, String param) {
        // Latency 0: a real API rejects an invalid request before doing any work.
        return new Outcome(400, OpenAiErrors.errorBody(message, "invalid_request_error", param, null), 0, false);
    }
}
