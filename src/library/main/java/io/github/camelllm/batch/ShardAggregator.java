package io.github.camelllm.batch;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.openai.TokenEstimator;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The aggregation strategy of the batch shards: each prompt is appended as a Batch API request line to its
 * shard's file on disk (the aggregated exchange carries the {@link Shard}, never the prompts).
 * <p>
 * Size limits are checked before a prompt is added ({@link #preComplete}): a prompt that would make the shard
 * hold more than llm.batch.max-requests lines (the API's 50,000 per file), more than llm.batch.max-bytes (its
 * 200 MB), or (when set) more lines than llm.batch.max-enqueued-requests or more estimated tokens than
 * llm.batch.max-enqueued-tokens completes the shard and starts the next one, so no file ever passes any of them:
 * a shard always fits the enqueued limits once the batches before it have finished (only a single prompt larger
 * than the token limit makes a shard that never fits). An embeddings shard also stays within the API's 50,000
 * embedding inputs per batch, counted over the {@code input} arrays of its lines. (In this pre-completion mode Camel evaluates no
 * completionSize or completionPredicate, so both limits live here.) A {@link ShardFlush} completes the run's
 * shard the same way when its intake has ended; the flush itself is left alone in a group that times out empty.
 */
public final class ShardAggregator implements AggregationStrategy {

    /** The Batch API's limit on embedding inputs across all requests of one /v1/embeddings batch. */
    static final long MAX_EMBEDDING_INPUTS = 50_000;
    private static final String INPUTS = "llmBatchInputs";


    private final BatchJobs jobs;
    private final int maxRequests;
    private final long maxBytes;
    private final long maxTokens;

    /**
     * @param maxRequests         llm.batch.max-requests
     * @param maxEnqueuedRequests llm.batch.max-enqueued-requests, 0 for no limit: a shard never holds more lines
     * @param maxTokens           llm.batch.max-enqueued-tokens, 0 for no limit
     */
    public ShardAggregator(BatchJobs jobs, int maxRequests, long maxBytes, long maxEnqueuedRequests, long maxTokens) {
        this.jobs = jobs;
        this.maxRequests = maxEnqueuedRequests > 0 ? (int) Math.min(maxRequests, maxEnqueuedRequests) : maxRequests;
        this.maxBytes = maxBytes;
        this.maxTokens = maxTokens;
    }

    /**
     * The correlation key: one group per run, endpoint and model (a batch file may name one endpoint and one
     * model only).
     */
    public String key(Exchange exchange) {
        Object body = exchange.getMessage().getBody();
        if (body instanceof PromptRequest r) {
            return ShardFlush.key(r.runId(), r.endpoint(), r.model());
        }
        if (body instanceof ShardFlush f) {
            return ShardFlush.key(f.runId(), f.endpoint(), f.model());
        }
        throw new IllegalArgumentException("the batch queue takes prompt requests, not " + body);
    }

    @Override
    public boolean canPreComplete() {
        return true;
    }

    @Override
    public boolean preComplete(Exchange oldExchange, Exchange newExchange) {
        Shard shard = shardOf(oldExchange);
        if (shard == null) {
            return false;
        }
        Object body = newExchange.getMessage().getBody();
        if (body instanceof ShardFlush) {
            return true;
        }
        return body instanceof PromptRequest request && (shard.size() >= maxRequests
                || shard.bytes() + lineOf(newExchange, request).length + 1 > maxBytes
                || (maxTokens > 0 && shard.size() > 0 && shard.tokens + tokensOf(request) > maxTokens)
                || (shard.size() > 0 && shard.inputs + inputsOf(newExchange, request) > MAX_EMBEDDING_INPUTS));
    }

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        Object body = newExchange.getMessage().getBody();
        if (!(body instanceof PromptRequest request)) {
            return oldExchange != null ? oldExchange : newExchange; // a flush marker carries no prompt
        }
        byte[] line = lineOf(newExchange, request);
        newExchange.removeProperty(LlmConstants.BATCH_LINE);
        try {
            Shard shard = shardOf(oldExchange);
            Exchange group = oldExchange;
            if (shard == null) {
                group = newExchange;
                shard = jobs.openShard(request.runId(), request.endpoint(), request.model());
                group.getMessage().setBody(shard);
            }
            shard.append(request.line(), request.customId(), new String(line, StandardCharsets.UTF_8),
                    tokensOf(request), inputsOf(newExchange, request));
            newExchange.removeProperty(INPUTS);
            return group;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write batch shard of run " + request.runId(), e);
        }
    }

    /** A prompt's tokens as the enqueued-token limit counts them. */
    static long tokensOf(PromptRequest request) {
        return (long) Math.ceil(TokenEstimator.rateLimitCost(request));
    }

    /**
     * The embedding inputs of a prompt: the length of an embeddings request's {@code input} array, else 1 (0 for
     * other endpoints, which have no such limit).
     */
    static long inputsOf(Exchange exchange, PromptRequest request) {
        if (request.endpoint() != Endpoint.EMBEDDINGS || request.body() == null) {
            return 0;
        }
        Long known = exchange.getProperty(INPUTS, Long.class);
        if (known != null) {
            return known;
        }
        long inputs;
        try {
            JsonNode input = Jackson.MAPPER.readTree(request.body()).path("input");
            inputs = input.isArray() ? Math.max(1, input.size()) : 1;
        } catch (JsonProcessingException e) {
            inputs = 1; // intake parsed it already: not reached
        }
        exchange.setProperty(INPUTS, inputs);
        return inputs;
    }

    private static Shard shardOf(Exchange group) {
        return group != null && group.getMessage().getBody() instanceof Shard shard ? shard : null;
    }

    private static byte[] lineOf(Exchange exchange, PromptRequest request) {
        byte[] line = exchange.getProperty(LlmConstants.BATCH_LINE, byte[].class);
        if (line == null) {
            line = requestLine(request).getBytes(StandardCharsets.UTF_8);
            exchange.setProperty(LlmConstants.BATCH_LINE, line);
        }
        return line;
    }

    /** One Batch API input line: {@code {"custom_id","method":"POST","url":"/v1/embeddings","body"}}. */
    static String requestLine(PromptRequest request) {
        try {
            return Jackson.MAPPER.writeValueAsString(new RequestLine(request.customId(), "POST",
                    request.endpoint().url(), request.body()));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Batch API input line; the body is the request body exactly as intake built it. */
    private record RequestLine(@JsonProperty("custom_id") String customId, String method, String url,
                               @JsonRawValue String body) {
    }
}
