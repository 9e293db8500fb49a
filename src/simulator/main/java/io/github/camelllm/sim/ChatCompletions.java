package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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

    /** The 400 for a JSON object naming a model that is not a chat request, or null when it is one. */
    static Outcome validate(JsonNode request) {
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            return invalid("'messages' must be a non-empty array", "messages");
        }
        return null;
    }

    /** The answer to a chat request that passed {@link Endpoints#validate}. */
    static Outcome answer(JsonNode request) {
        JsonNode model = request.get("model");
        JsonNode messages = request.get("messages");
        int promptChars = 0;
        String last = "";
        for (JsonNode message : messages) {
            last = contentText(message.get("content"));
            promptChars += last.length();
        }

        Outcome marked = markers(last);
        if (marked != null && marked.status() != 200) {
            return marked;
        }
        long latencyOverride = marked == null ? -1 : marked.latencyOverride();
        boolean hang = marked != null && marked.hang();

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
        int n = Math.max(1, Math.min(128, request.path("n").asInt(1)));
        String forced = forcedFunction(request, false);
        ObjectNode body = completion(model.asText(), promptChars);
        ArrayNode choices = body.putArray("choices");
        long completionChars = 0;
        for (int i = 0; i < n; i++) {
            ObjectNode choice = choices.addObject();
            choice.put("index", i);
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            if (forced != null) {
                message.putNull("content");
                ObjectNode call = message.putArray("tool_calls").addObject();
                call.put("id", Ids.next("call_"));
                call.put("type", "function");
                call.putObject("function").put("name", forced).put("arguments", arguments(last));
                completionChars += call.path("function").path("arguments").asText().length();
            } else {
                String text = n == 1 ? content : content + " (" + (i + 1) + ")";
                message.put("content", text);
                completionChars += text.length();
            }
            message.putNull("refusal");
            choice.putNull("logprobs");
            choice.put("finish_reason", forced != null ? "tool_calls" : finishReason);
        }
        long promptTokens = Math.max(1, tokens(promptChars));
        long completionTokens = tokens((int) Math.min(Integer.MAX_VALUE, completionChars));
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
        body.putNull("system_fingerprint");
        return new Outcome(200, body, latencyOverride, hang);
    }

    /**
     * What the test markers of a prompt ask for: a status (an error body unless 200), a latency, a hang; null
     * for a prompt without markers.
     */
    static Outcome markers(String last) {
        if (!last.contains("[sim:")) {
            return null;
        }
        Matcher status = STATUS_MARKER.matcher(last);
        if (status.find()) {
            int code = Integer.parseInt(status.group(1));
            if (code != 200) {
                return new Outcome(code, OpenAiErrors.bodyForStatus(code), latencyMarker(last), false);
            }
        }
        return new Outcome(200, null, latencyMarker(last), last.contains(HANG_MARKER));
    }

    /**
     * The function a request forces with {@code tool_choice} ("required": its first function tool; or one named),
     * or null when the model may answer in text. Chat nests a tool's name under "function", responses do not.
     */
    static String forcedFunction(JsonNode request, boolean responses) {
        JsonNode tools = request.get("tools");
        JsonNode choice = request.get("tool_choice");
        if (tools == null || !tools.isArray() || tools.isEmpty() || choice == null) {
            return null;
        }
        if (choice.isTextual()) {
            if (!"required".equals(choice.asText())) {
                return null;
            }
            for (JsonNode tool : tools) {
                if ("function".equals(tool.path("type").asText())) {
                    return (responses ? tool.path("name") : tool.path("function").path("name")).asText(null);
                }
            }
            return null;
        }
        JsonNode name = responses ? choice.path("name") : choice.path("function").path("name");
        return "function".equals(choice.path("type").asText()) && name.isTextual() ? name.asText() : null;
    }

    /** The arguments of a forced call: a JSON object text that names the prompt it answers. */
    static String arguments(String last) {
        return Json.MAPPER.createObjectNode().put("text", last).toString();
    }

    private static ObjectNode completion(String model, int promptChars) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("id", Ids.next("chatcmpl-"));
        body.put("object", "chat.completion");
        body.put("created", System.currentTimeMillis() / 1000);
        body.put("model", model);
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

    static Outcome invalid(String message, String param) {
        // Latency 0: a real API rejects an invalid request before doing any work.
        return new Outcome(400, OpenAiErrors.errorBody(message, "invalid_request_error", param, null), 0, false);
    }
}
