package io.github.camelllm.run;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.camelllm.PromptResult;
import io.github.camelllm.PromptResult.ErrorInfo;
import io.github.camelllm.PromptResult.Usage;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** The one JSON shape of a result: a line of the journal, of NAME.results.jsonl and of output messages. */
public final class ResultJson {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

    private ResultJson() {
    }

    public static String write(PromptResult r) {
        return write(r, false);
    }

    /** @param simulated adds {@code "simulated":true}: the answer came from the built-in simulator */
    public static String write(PromptResult r, boolean simulated) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("custom_id", r.customId());
            g.writeNumberField("line", r.line());
            g.writeStringField("status", r.status());
            g.writeStringField("route", r.route());
            g.writeStringField("content", r.content());
            g.writeStringField("finish_reason", r.finishReason());
            if (r.usage() == null) {
                g.writeNullField("usage");
            } else {
                g.writeObjectFieldStart("usage");
                g.writeNumberField("prompt_tokens", r.usage().promptTokens());
                g.writeNumberField("completion_tokens", r.usage().completionTokens());
                g.writeNumberField("total_tokens", r.usage().totalTokens());
                g.writeEndObject();
            }
            g.writeNumberField("attempts", r.attempts());
            g.writeNumberField("latency_ms", r.latencyMs());
            if (r.error() == null) {
                g.writeNullField("error");
            } else {
                g.writeObjectFieldStart("error");
                g.writeStringField("type", r.error().type());
                g.writeStringField("message", r.error().message());
                if (r.error().httpStatus() == null) {
                    g.writeNullField("http_status");
                } else {
                    g.writeNumberField("http_status", r.error().httpStatus());
                }
                g.writeEndObject();
            }
            if (r.batchId() != null) {
                g.writeStringField("batch_id", r.batchId());
            }
            if (simulated) {
                g.writeBooleanField("simulated", true);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    public static PromptResult read(String runId, String line) throws IOException {
        JsonNode n = MAPPER.readTree(line);
        JsonNode u = n.get("usage");
        Usage usage = u == null || u.isNull() ? null : new Usage(u.path("prompt_tokens").asLong(),
                u.path("completion_tokens").asLong(), u.path("total_tokens").asLong());
        JsonNode e = n.get("error");
        ErrorInfo error = e == null || e.isNull() ? null : new ErrorInfo(text(e, "type"), text(e, "message"),
                e.hasNonNull("http_status") ? e.get("http_status").asInt() : null);
        return new PromptResult(runId, text(n, "custom_id"), n.path("line").asLong(), text(n, "status"),
                text(n, "route"), text(n, "content"), text(n, "finish_reason"), usage, n.path("attempts").asInt(),
                n.path("latency_ms").asLong(), error, text(n, "batch_id"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
