package io.github.camelllm.batch;

import io.github.camelllm.model.Endpoint;

import java.io.Serializable;

/**
 * Sent to the shard aggregator (with {@code CamelAggregationCompleteCurrentGroup}) when a run's intake has read
 * its last line, so the run's open shard for this endpoint and model is submitted now instead of after
 * llm.batch.flush-ms.
 */
public record ShardFlush(String runId, Endpoint endpoint, String model) implements Serializable {

    /** The flush of a chat-completions shard. */
    public ShardFlush(String runId, String model) {
        this(runId, Endpoint.CHAT_COMPLETIONS, model);
    }

    /** The aggregation group of a run's shard: a batch file holds one endpoint and one model. */
    static String key(String runId, Endpoint endpoint, String model) {
        return runId + "|" + (endpoint == Endpoint.CHAT_COMPLETIONS ? "" : endpoint.url() + "|") + model;
    }
}
