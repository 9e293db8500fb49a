package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@code POST /v1/responses}: a response object whose {@code output} holds one assistant message with one
 * {@code output_text} part ("echo: " + the last input text), or a {@code function_call} item when the request's
 * {@code tool_choice} forces a function tool. {@code max_output_tokens} cuts the text and leaves the response
 * {@code incomplete}. The {@code [sim:...]} markers of chat work here too.
 */
final class Responses {

    private Responses() {
    }

    /** The 400 for a JSON object naming a model that is not a responses request, or null when it is one. */
    static ChatCompletions.Outcome validate(JsonNode request) {
        JsonNode input = request.get("input");
        boolean text = input != null && input.isTextual() && !input.asText().isEmpty();
        boolean items = input != null && input.isArray() && !input.isEmpty();
        if (!text && !items) {
            return ChatCompletions.invalid("'input' must be a non-empty string or array of input items", "input");
        }
        if (request.has("messages")) {
            return ChatCompletions.invalid("Unknown parameter: 'messages'.", "messages");
        }
        return null;
    }

    /** The answer to a responses request that passed {@link Endpoints#validate}. */
    static ChatCompletions.Outcome answer(JsonNode request) {
        JsonNode input = request.get("input");
        String last;
        int promptChars;
        if (input.isTextual()) {
            last = input.asText();
            promptChars = last.length();
        } else {
            last = "";
            promptChars = 0;
            for (JsonNode item : input) {
                last = ChatCompletions.contentText(item.get("content"));
                promptChars += last.length();
            }
        }
        promptChars += request.path("instructions").asText("").length();
        ChatCompletions.Outcome marked = ChatCompletions.markers(last);
        if (marked != null && marked.status() != 200) {
            return marked;
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("id", Ids.next("resp_"));
        body.put("object", "response");
        body.put("created_at", System.currentTimeMillis() / 1000);
        body.put("model", request.get("model").asText());
        ArrayNode output = body.putArray("output");
        String forced = ChatCompletions.forcedFunction(request, true);
        String status = "completed";
        long outputChars;
        if (forced != null) {
            ObjectNode call = output.addObject();
            call.put("type", "function_call");
            call.put("id", Ids.next("fc_"));
            call.put("call_id", Ids.next("call_"));
            call.put("name", forced);
            call.put("arguments", ChatCompletions.arguments(last));
            call.put("status", "completed");
            outputChars = call.get("arguments").asText().length();
        } else {
            String text = "echo: " + last;
            if (text.length() > ChatCompletions.MAX_CONTENT_CHARS) {
                text = text.substring(0, ChatCompletions.MAX_CONTENT_CHARS);
            }
            long max = request.path("max_output_tokens").asLong(0);
            if (max > 0 && ChatCompletions.tokens(text.length()) > max) {
                text = text.substring(0, (int) Math.min(text.length(), max * 4));
                status = "incomplete";
                body.putObject("incomplete_details").put("reason", "max_output_tokens");
            }
            ObjectNode message = output.addObject();
            message.put("type", "message");
            message.put("id", Ids.next("msg_"));
            message.put("status", status);
            message.put("role", "assistant");
            ObjectNode part = message.putArray("content").addObject();
            part.put("type", "output_text");
            part.put("text", text);
            part.putArray("annotations");
            outputChars = text.length();
        }
        body.put("status", status);
        if (!body.has("incomplete_details")) {
            body.putNull("incomplete_details");
        }
        long inputTokens = Math.max(1, ChatCompletions.tokens(promptChars));
        long outputTokens = ChatCompletions.tokens((int) outputChars);
        ObjectNode usage = body.putObject("usage");
        usage.put("input_tokens", inputTokens);
        usage.put("output_tokens", outputTokens);
        usage.put("total_tokens", inputTokens + outputTokens);
        return new ChatCompletions.Outcome(200, body, marked == null ? -1 : marked.latencyOverride(),
                marked != null && marked.hang());
    }
}
