package io.github.camelllm.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where results go.
 *
 * @param outbox          folder of NAME.results.jsonl, NAME.summary.json and NAME.failed.jsonl
 * @param order           order of the results file
 * @param uri             endpoint(s), comma-separated, that also receive every result; "" for none
 * @param threads         the delivery threads (results to {@code uri}, replies to waiting senders)
 * @param retryDelay      first wait before a refused delivery is tried again
 * @param maxRetryDelay   longest wait between two tries
 */
public record OutputConfig(Path outbox, OutputOrder order, String uri, int threads, Duration retryDelay,
                           Duration maxRetryDelay) {
}
