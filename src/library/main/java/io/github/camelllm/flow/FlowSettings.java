package io.github.camelllm.flow;

/**
 * The flow-control settings, read once at start.
 *
 * @param requestsPerMinute  configured request limit per model, 0 = learn it from the answers
 * @param tokensPerMinute    configured token limit per model, 0 = learn it from the answers
 * @param maxRateLimitWaitMs how long one prompt may be held back by rate limits before it ends as an error
 * @param maxOutageMs        how long an outage of the whole API is ridden out before held prompts end as errors
 * @param maxProbeIntervalMs the longest wait between two probes of an API that is down
 * @param holdOnFaults       hold prompts while the key, the credit or the model is refused (the inbox service),
 *                           instead of ending them as errors at once (a one-shot run, a host that wants answers)
 * @param faultProbeIntervalMs how often a refused key / empty account / unknown model is tried again
 * @param fallbackPauseMs    the first pause after a 429 that names no wait and no limit (doubles each time)
 * @param maxFallbackPauseMs the longest such pause
 */
public record FlowSettings(double requestsPerMinute, double tokensPerMinute, long maxRateLimitWaitMs,
                           long maxOutageMs, long maxProbeIntervalMs, boolean holdOnFaults,
                           long faultProbeIntervalMs, long fallbackPauseMs, long maxFallbackPauseMs) {
}
