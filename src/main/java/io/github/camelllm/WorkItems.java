package io.github.camelllm;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.camelllm.run.ResultJson;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON text form of the messages that cross a broker: a prompt on its way to a caller, and its result on
 * its way back to the instance that owns the run. In one JVM (seda) the records travel as they are.
 */
public final class WorkItems {

    private static final ObjectMapper JSON = new ObjectMapper();

    private WorkItems() {
    }

    public static String requestToJson(PromptRequest r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("run_id", r.runId());
        n.put("line", r.line());
        n.put("custom_id", r.customId());
        n.put("model", r.model());
        n.put("body", r.body());
        n.put("mode", r.mode());
        n.put("estimated_tokens", r.estimatedTokens());
        n.put("source", r.source());
        return n.toString();
    }

    public static PromptRequest requestFromJson(String json) {
        try {
            JsonNode n = JSON.readTree(json);
            return new PromptRequest(n.path("run_id").asText(), n.path("line").asLong(), n.path("custom_id").asText(),
                    text(n, "model"), n.path("body").asText(), text(n, "mode"), n.path("estimated_tokens").asInt(),
                    text(n, "source"));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a work item: " + e.getOriginalMessage(), e);
        }
    }

    /** A result with its run id, so the owning instance can journal it. */
    public static String resultToJson(PromptResult r) {
        try {
            ObjectNode n = (ObjectNode) JSON.readTree(ResultJson.write(r));
            n.put("run_id", r.runId());
            return n.toString();
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PromptResult resultFromJson(String json) {
        try {
            return ResultJson.read(JSON.readTree(json).path("run_id").asText(), json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a result: " + e.getMessage(), e);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
