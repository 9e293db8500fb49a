package io.github.camelllm.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where results go, and what they keep.
 *
 * @param outbox          folder of NAME.results.jsonl, NAME.summary.json and NAME.failed.jsonl
 * @param order           order of the results file
 * @param uri             endpoint(s), comma-separated, that also receive every result; "" for none
 * @param threads         the delivery threads (results to {@code uri}, replies to waiting senders)
 * @param retryDelay      first wait before a refused delivery is tried again
 * @param maxRetryDelay   longest wait between two tries
 * @param includeResponse every result keeps its whole response body
 * @param format          the shape of the results file
 */
public record OutputConfig(Path outbox, OutputOrder order, String uri, int threads, Duration retryDelay,
                           Duration maxRetryDelay, boolean includeResponse, OutputFormat format) {

    public OutputConfig {
        format = format == null ? OutputFormat.PIPELINE : format;
    }

    /** Results in this pipeline's own shape, without response bodies. */
    public OutputConfig(Path outbox, OutputOrder order, String uri, int threads, Duration retryDelay,
                        Duration maxRetryDelay) {
        this(outbox, order, uri, threads, retryDelay, maxRetryDelay, false, OutputFormat.PIPELINE);
    }

    /** Whether results keep whole response bodies: asked for, or needed by the openai-batch shape. */
    public boolean keepsResponses() {
        return includeResponse || format == OutputFormat.OPENAI_BATCH;
    }
}
