package io.github.camelllm.config;

import java.time.Duration;

/**
 * Faults no retry fixes: a refused key, an empty account, an unknown model, a base URL that is not an API.
 *
 * @param onFatal       the choice as set ({@code llm.faults.on-fatal})
 * @param hold          what it comes to: hold the prompts (auto holds when the inbox is watched)
 * @param probeInterval how often such a fault is tried again with one probe call
 */
public record FaultConfig(OnFatal onFatal, boolean hold, Duration probeInterval) {
}
