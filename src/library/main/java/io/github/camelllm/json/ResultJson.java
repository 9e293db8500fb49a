package io.github.camelllm.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.Answer;
import io.github.camelllm.model.PromptResult.ErrorInfo;
import io.github.camelllm.model.PromptResult.Usage;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The one JSON shape of a result: a line of the journal, of NAME.results.jsonl and of output messages (and,
 * with its run id, a result crossing a broker).
 */
public final class ResultJson {

    /**
     * A result line, field by field in the order it is written. The fields marked {@link Payload} hold what the
     * API answered; the others are the line's bookkeeping ({@link #readBookkeeping}).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Line(@JsonProperty("custom_id") @JsonInclude(JsonInclude.Include.ALWAYS) String customId, long line,
                @JsonInclude(JsonInclude.Include.ALWAYS) String status,
                @JsonInclude(JsonInclude.Include.ALWAYS) String route,
                @Payload @JsonInclude(JsonInclude.Include.ALWAYS) String content,
                @Payload @JsonProperty("finish_reason") @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason,
                @Payload @JsonProperty("tool_calls") @JsonRawValue
                @JsonDeserialize(using = RawJson.Deserializer.class) String toolCalls,
                @Payload String refusal,
                @Payload @JsonRawValue @JsonDeserialize(using = RawJson.Deserializer.class) String logprobs,
                @Payload @JsonRawValue @JsonDeserialize(using = RawJson.Deserializer.class) String choices,
                @Payload @JsonRawValue @JsonDeserialize(using = RawJson.Deserializer.class) String output,
                @Payload @JsonRawValue @JsonDeserialize(using = RawJson.Deserializer.class) String embeddings,
                @Payload @JsonRawValue @JsonDeserialize(using = RawJson.Deserializer.class) String moderations,
                @JsonInclude(JsonInclude.Include.ALWAYS) Usage usage, int attempts,
                @JsonProperty("latency_ms") long latencyMs,
                @JsonInclude(JsonInclude.Include.ALWAYS) ErrorInfo error,
                @JsonProperty("batch_id") String batchId,
                String model,
                Boolean simulated,
                @JsonProperty("run_id") String runId,
                @Payload @JsonRawValue @JsonDeserialize(using = RawJson.Deserializer.class) String response) {

        static Line of(PromptResult r, boolean simulated, boolean withRunId) {
            Answer a = r.answer() == null ? Answer.NONE : r.answer();
            return new Line(r.customId(), r.line(), r.status(), r.route(), r.content(), r.finishReason(),
                    a.toolCalls(), a.refusal(), a.logprobs(), a.choices(), a.output(), a.embeddings(),
                    a.moderations(), r.usage(), r.attempts(), r.latencyMs(), r.error(), r.batchId(), r.model(),
                    simulated ? Boolean.TRUE : null, withRunId ? r.runId() : null, a.response());
        }

        PromptResult toResult(String runId) {
            Answer answer = new Answer(toolCalls, refusal, logprobs, choices, output, embeddings, moderations,
                    response);
            return new PromptResult(runId, customId, line, status, route, content, finishReason, usage, attempts,
                    latencyMs, error, batchId, model, answer.isEmpty() ? null : answer);
        }
    }

    /** Marks a field of {@link Line} that holds what the API answered (a text, or JSON as the API sent it). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.RECORD_COMPONENT)
    @interface Payload {
    }

    /** Which fields of a result line are its answer: what a bookkeeping read passes over. */
    private static final ResultFields FIELDS = ResultFields.of(Line.class);

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

    /**
     * A result as a line of a Batch API output file: {@code {"id","custom_id","response":{"status_code",
     * "request_id","body"},"error"}}. An answer is its whole body with status 200; a failure with an HTTP status
     * is that status with an error body; anything else (an invalid line, a call that got no answer, a batch
     * that expired) is {@code "response":null} and {@code "error":{"code","message"}}.
     */
    public static String writeOpenAiBatch(PromptResult r) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = Jackson.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", "batch_req_" + r.runId() + "_" + r.line());
            g.writeStringField("custom_id", r.customId());
            ErrorInfo error = r.error();
            if (r.ok()) {
                String body = r.answer() == null ? null : r.answer().response();
                g.writeObjectFieldStart("response");
                g.writeNumberField("status_code", 200);
                g.writeNullField("request_id");
                g.writeFieldName("body");
                if (body == null) {
                    g.writeNull();
                } else {
                    g.writeRawValue(body);
                }
                g.writeEndObject();
                g.writeNullField("error");
            } else if (error != null && error.httpStatus() != null) {
                g.writeObjectFieldStart("response");
                g.writeNumberField("status_code", error.httpStatus());
                g.writeNullField("request_id");
                g.writeObjectFieldStart("body");
                g.writeObjectFieldStart("error");
                g.writeStringField("message", error.message());
                g.writeStringField("type", error.type());
                g.writeNullField("param");
                g.writeStringField("code", error.type());
                g.writeEndObject();
                g.writeEndObject();
                g.writeEndObject();
                g.writeNullField("error");
            } else {
                g.writeNullField("response");
                g.writeObjectFieldStart("error");
                g.writeStringField("code", error == null ? r.status() : error.type());
                g.writeStringField("message", error == null ? r.status() : error.message());
                g.writeEndObject();
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** A journal line (this pipeline's shape) as a Batch API output line. */
    public static String toOpenAiBatch(String runId, String line) {
        try {
            return writeOpenAiBatch(read(runId, line));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A result line's bookkeeping: the result without what the API answered ({@code content},
     * {@code finish_reason} and {@link PromptResult#answer()} are null). The answer's fields are passed over token
     * by token, never read into text or objects (an embedding's vector is ~19 KB), yet checked as a whole read
     * checks them: a line that {@link #read} refuses (torn, not JSON, a text field that holds an object) is
     * refused here too.
     *
     * @param bytes the line in UTF-8, from {@code offset} for {@code length} bytes, without its newline
     */
    public static PromptResult readBookkeeping(String runId, byte[] bytes, int offset, int length)
            throws IOException {
        try (JsonParser p = Jackson.MAPPER.getFactory().createParser(bytes, offset, length)) {
            return readBookkeeping(runId, p);
        }
    }

    /** {@link #readBookkeeping(String, byte[], int, int)} of a line already decoded. */
    public static PromptResult readBookkeeping(String runId, String line) throws IOException {
        try (JsonParser p = Jackson.MAPPER.getFactory().createParser(line)) {
            return readBookkeeping(runId, p);
        }
    }

    private static PromptResult readBookkeeping(String runId, JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            throw new JsonParseException(p, "a result line is a JSON object");
        }
        TokenBuffer kept = new TokenBuffer(p);
        kept.writeStartObject();
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (FIELDS.bookkeeping(name)) {
                kept.writeFieldName(name);
                kept.copyCurrentStructure(p);
            } else if (value.isStructStart() && FIELDS.text(name)) {
                throw new JsonParseException(p, "field " + name + " of a result line is a text, not " + value);
            } else {
                p.skipChildren(); // the answer, or a field this version does not know (ignored, as by read)
            }
        }
        kept.writeEndObject();
        try (JsonParser fields = kept.asParser()) {
            Line line = Jackson.MAPPER.readValue(fields, Line.class);
            return line.toResult(runId);
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
