package io.github.camelllm.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.ErrorInfo;
import io.github.camelllm.model.PromptResult.Usage;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one JSON shape of a result: a line of the journal, of NAME.results.jsonl and of output messages (and,
 * with its run id, a result crossing a broker).
 */
public final class ResultJson {

    /** A result line, field by field in the order it is written. */
    record Line(@JsonProperty("custom_id") String customId, long line, String status, String route, String content,
                @JsonProperty("finish_reason") String finishReason, Usage usage, int attempts,
                @JsonProperty("latency_ms") long latencyMs, ErrorInfo error,
                @JsonProperty("batch_id") @JsonInclude(JsonInclude.Include.NON_NULL) String batchId,
                @JsonInclude(JsonInclude.Include.NON_NULL) String model,
                @JsonInclude(JsonInclude.Include.NON_NULL) Boolean simulated,
                @JsonProperty("run_id") @JsonInclude(JsonInclude.Include.NON_NULL) String runId) {

        static Line of(PromptResult r, boolean simulated, boolean withRunId) {
            return new Line(r.customId(), r.line(), r.status(), r.route(), r.content(), r.finishReason(), r.usage(),
                    r.attempts(), r.latencyMs(), r.error(), r.batchId(), r.model(), simulated ? Boolean.TRUE : null,
                    withRunId ? r.runId() : null);
        }

        PromptResult toResult(String runId) {
            return new PromptResult(runId, customId, line, status, route, content, finishReason, usage, attempts,
                    latencyMs, error, batchId, model);
        }
    }

    private ResultJson() {
    }

    public static String write(PromptResult r) {
        return write(r, false);
    }

    /** @param simulated adds {@code "simulated":true}: the answer came from the built-in simulator */
    public static String write(PromptResult r, boolean simulated) {
        return write(Line.of(r, simulated, false));
    }

    /** A result with its run id, so the instance that owns the run can journal it. */
    public static String writeWithRunId(PromptResult r) {
        return write(Line.of(r, false, true));
    }

    private static String write(Line line) {
        try {
            return Jackson.MAPPER.writeValueAsString(line);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static PromptResult read(String runId, String line) throws IOException {
        return Jackson.MAPPER.readValue(line, Line.class).toResult(runId);
    }

    /** A result written with {@link #writeWithRunId}. */
    public static PromptResult readWithRunId(String json) throws IOException {
        Line line = Jackson.MAPPER.readValue(json, Line.class);
        return line.toResult(line.runId() == null ? "" : line.runId());
    }
}
