package io.github.camelllm.config;

import java.time.Duration;

/**
 * Retries of a call and the waits of the pipeline as a whole ({@code llm.retry.*}).
 *
 * @param maxAttempts      attempts in all, the first included
 * @param initialDelay     delay before the first retry; also the first pause after a 429 that names no wait
 * @param multiplier       exponential backoff multiplier, at least 1
 * @param maxDelay         longest backoff (at least {@code initialDelay}); also the longest such pause
 * @param jitter           each delay varies randomly by +/- this fraction
 * @param maxRetryAfter    longest server-requested wait honoured
 * @param maxRateLimitWait how long one prompt may be held back by rate limits before it ends as an error
 * @param maxOutage        how long an outage of the whole API is ridden out before held prompts end as errors
 * @param maxProbeInterval the longest wait between two probes of an API that is down
 */
public record RetryConfig(int maxAttempts, Duration initialDelay, double multiplier, Duration maxDelay,
                          double jitter, Duration maxRetryAfter, Duration maxRateLimitWait, Duration maxOutage,
                          Duration maxProbeInterval) {
}
