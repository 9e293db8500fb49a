package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Per-model request and token buckets, as OpenAI applies them; inactive when no limit is configured. */
final class RateLimiter {
    private final SimulatorConfig config;
    private final Map<String, ModelRateLimiter> models = new ConcurrentHashMap<>();
    private final long startNanos = System.nanoTime();

    RateLimiter(SimulatorConfig config) {
        this.config = config;
    }

    boolean active() {
        return config.rateLimited();
    }

    RateLimitDecision admit(String model, long tokenCost) {
        if (!active()) {
            return RateLimitDecision.admitted(Map.of());
        }
        return limiter(model).admit(tokenCost, System.nanoTime());
    }

    Map<String, String> peek(String model) {
        return active() ? limiter(model).peek(System.nanoTime()) : Map.of();
    }

    ObjectNode toJson() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("rpm_limit", config.rpmLimit());
        node.put("tpm_limit", config.tpmLimit());
        node.put("burst_ms", config.rateLimitBurstMs());
        node.put("headers", config.rateLimitHeaders());
        node.put("retry_after_headers", config.retryAfterHeaders());
        ObjectNode perModel = node.putObject("models");
        models.forEach((model, limiter) -> perModel.set(model, limiter.toJson(startNanos)));
        return node;
    }

    private ModelRateLimiter limiter(String model) {
        return models.computeIfAbsent(model, m -> new ModelRateLimiter(m, config, System.nanoTime()));
    }
}
