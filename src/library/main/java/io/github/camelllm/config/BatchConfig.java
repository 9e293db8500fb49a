package io.github.camelllm.config;

import java.time.Duration;

/**
 * Routing between real time and the Batch API, and the batches themselves.
 *
 * @param enabled           long prompts go to the Batch API
 * @param longPromptTokens  prompts with more estimated tokens than this are long
 * @param queueUri          the endpoint in front of the batch route
 * @param maxRequests       most requests in one Batch API input file
 * @param maxBytes          largest Batch API input file
 * @param flush             a shard that has not grown for this long is submitted
 * @param pollInterval      how often submitted batches are checked
 * @param maxEnqueuedTokens per model, estimated tokens in unfinished batches at once; 0 = no limit
 * @param maxEnqueuedRequests per model, requests in unfinished batches at once (and in one shard); 0 = no limit
 * @param maxResubmits      how often a batch failed with token_limit_exceeded is created again
 * @param onFailure         lines a batch did not answer
 */
public record BatchConfig(boolean enabled, int longPromptTokens, String queueUri, int maxRequests, long maxBytes,
                          Duration flush, Duration pollInterval, long maxEnqueuedTokens,
                          long maxEnqueuedRequests, int maxResubmits, OnBatchFailure onFailure) {
}
