package io.github.camelllm.json;

import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON text form of the messages that cross a broker: a prompt on its way to a caller, and its result on
 * its way back to the instance that owns the run. In one JVM (seda) the records travel as they are.
 */
public final class WorkItems {

    /** A prompt as it crosses a broker. */
    record WorkItem(@JsonProperty("run_id") String runId, long line, @JsonProperty("custom_id") String customId,
                    String model, String body, String mode, @JsonProperty("estimated_tokens") int estimatedTokens,
                    String source, String endpoint) {

        PromptRequest toRequest() {
            return new PromptRequest(orEmpty(runId), line, orEmpty(customId), model, orEmpty(body), mode,
                    estimatedTokens, source, endpoint == null ? null : Endpoint.ofUrl(endpoint));
        }

        private static String orEmpty(String s) {
            return s == null ? "" : s;
        }
    }

    private WorkItems() {
    }

    public static String requestToJson(PromptRequest r) {
        try {
            return Jackson.MAPPER.writeValueAsString(new WorkItem(r.runId(), r.line(), r.customId(), r.model(),
                    r.body(), r.mode(), r.estimatedTokens(), r.source(), r.endpoint().url()));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PromptRequest requestFromJson(String json) {
        try {
            return Jackson.MAPPER.readValue(json, WorkItem.class).toRequest();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a work item: " + e.getOriginalMessage(), e);
        }
    }

    /** A result with its run id, so the owning instance can journal it. */
    public static String resultToJson(PromptResult r) {
        return ResultJson.writeWithRunId(r);
    }

    public static PromptResult resultFromJson(String json) {
        try {
            return ResultJson.readWithRunId(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a result: " + e.getMessage(), e);
        }
    }
}
