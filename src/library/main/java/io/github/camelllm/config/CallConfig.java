package io.github.camelllm.config;

import java.time.Duration;

/**
 * The real-time calls: how many at once, their timeouts and the largest answer.
 *
 * @param concurrency      calls in flight at most ({@code llm.concurrency})
 * @param connectTimeout   TCP connect timeout per call
 * @param responseTimeout  deadline of a whole response, first byte to last, per attempt
 * @param maxResponseBytes largest response body accepted
 * @param client           the HTTP client of the calls
 */
public record CallConfig(int concurrency, Duration connectTimeout, Duration responseTimeout, int maxResponseBytes,
                         HttpClientKind client) {
}
