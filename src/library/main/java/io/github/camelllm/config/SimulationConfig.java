package io.github.camelllm.config;

import java.time.Duration;

/**
 * The command-line application's built-in simulator, when it answers instead of an API.
 *
 * @param latency  simulated server latency per call
 * @param jitter   uniform random extra latency per call, up to this
 * @param requestsPerMinute requests per minute allowed (x-ratelimit-* headers on every answer), 0 = no limit
 * @param rate429  fraction of calls answered 429 at random, with Retry-After
 * @param rate500  fraction of calls answered 500
 */
public record SimulationConfig(Duration latency, Duration jitter, int requestsPerMinute, double rate429,
                               double rate500) {
}
