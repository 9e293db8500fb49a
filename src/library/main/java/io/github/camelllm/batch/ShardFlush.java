package io.github.camelllm.batch;

import java.io.Serializable;

/**
 * Sent to the shard aggregator (with {@code CamelAggregationCompleteCurrentGroup}) when a run's intake has read
 * its last line, so the run's open shard for this model is submitted now instead of after llm.batch.flush-ms.
 */
public record ShardFlush(String runId, String model) implements Serializable {
}
