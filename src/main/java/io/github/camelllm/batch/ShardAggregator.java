package io.github.camelllm.batch;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.github.camelllm.PromptRequest;
import io.github.camelllm.intake.PromptParser;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The aggregation strategy of the batch shards: each prompt is appended as a Batch API request line to its
 * shard's file on disk (the aggregated exchange carries the {@link Shard}, never the prompts). A prompt that
 * would push the shard past llm.batch.max-bytes closes the shard first and starts the next one (preComplete),
 * so no file ever exceeds the limit; the line count limit is the aggregator's completionSize.
 */
public final class ShardAggregator implements AggregationStrategy {

    private static final JsonFactory JSON = new JsonFactory();
    private static final String LINE = "llmBatchLine";

    private final BatchJobs jobs;
    private final long maxBytes;

    public ShardAggregator(BatchJobs jobs, long maxBytes) {
        this.jobs = jobs;
        this.maxBytes = maxBytes;
    }

    /** The correlation key: one group per run and model (a batch file may name one model only). */
    public String key(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        if (body instanceof PromptRequest r) {
            return r.runId() + "|" + r.model();
        }
        if (body instanceof ShardFlush f) {
            return f.runId() + "|" + f.model();
        }
        throw new IllegalArgumentException("the batch queue takes prompt requests, not " + body);
    }

    @Override
    public boolean canPreComplete() {
        return true;
    }

    @Override
    public boolean preComplete(Exchange oldExchange, Exchange newExchange) {
        if (oldExchange == null || !(newExchange.getMessage().getBody() instanceof PromptRequest request)) {
            return false;
        }
        Shard shard = oldExchange.getMessage().getBody(Shard.class);
        return shard != null && shard.bytes() + lineOf(newExchange, request).length + 1 > maxBytes;
    }

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Object body = newExchange.getMessage().getBody();
        if (!(body instanceof PromptRequest request)) {
            return oldExchange != null ? oldExchange : newExchange; // a flush marker carries no prompt
        }
        byte[] line = lineOf(newExchange, request);
        newExchange.removeProperty(LINE);
        try {
            Exchange group = oldExchange;
            if (group == null) {
                group = newExchange;
                group.getMessage().setBody(jobs.openShard(request.runId(), request.model()));
            }
            group.getMessage().getBody(Shard.class).append(request.line(), request.customId(),
                    new String(line, StandardCharsets.UTF_8));
            return group;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write batch shard of run " + request.runId(), e);
        }
    }

    private static byte[] lineOf(Exchange exchange, PromptRequest request) {
        byte[] line = exchange.getProperty(LINE, byte[].class);
        if (line == null) {
            line = requestLine(request).getBytes(StandardCharsets.UTF_8);
            exchange.setProperty(LINE, line);
        }
        return line;
    }

    /** One Batch API input line: {@code {"custom_id","method":"POST","url":"/v1/chat/completions","body"}}. */
    static String requestLine(PromptRequest request) {
        StringWriter out = new StringWriter(request.body().length() + 96);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("custom_id", request.customId());
            g.writeStringField("method", "POST");
            g.writeStringField("url", PromptParser.CHAT_URL);
            g.writeFieldName("body");
            g.writeRawValue(request.body());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
