package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The requests bucket and the tokens bucket of one model. Both are checked and charged under this
 * object's lock, so concurrent event loops can never admit more than the buckets hold.
 */
final class ModelRateLimiter {
    private final String model;
    private final TokenBucket requests;
    private final TokenBucket tokens;

    ModelRateLimiter(String model, SimulatorConfig config, long nowNanos) {
        this.model = model;
        this.requests = config.rpmLimit() > 0 ? new TokenBucket(config.rpmLimit(), config.rateLimitBurstMs(), nowNanos) : null;
        this.tokens = config.tpmLimit() > 0 ? new TokenBucket(config.tpmLimit(), config.rateLimitBurstMs(), nowNanos) : null;
    }

    /** Admits and charges one request costing {@code tokenCost} tokens, or explains why not. */
    synchronized RateLimitDecision admit(long tokenCost, long nowNanos) {
        refill(nowNanos);
        if (tokens != null && tokenCost > tokens.capacity) {
            // Could never fit, however long the client waits.
            return RateLimitDecision.tooLarge(model, tokens.perMinute, tokenCost, headers());
        }
        boolean requestsShort = requests != null && !requests.holds(1);
        boolean tokensShort = tokens != null && !tokens.holds(tokenCost);
        if (requestsShort || tokensShort) {
            long waitMs = Math.max(requestsShort ? requests.millisUntil(1) : 0,
                    tokensShort ? tokens.millisUntil(tokenCost) : 0);
            TokenBucket limiting = requestsShort ? requests : tokens;
            return RateLimitDecision.rejected(model, requestsShort ? "requests" : "tokens", limiting.perMinute,
                    limiting.usedPerMinute(), requestsShort ? 1 : tokenCost, waitMs, headers());
        }
        if (requests != null) {
            requests.charge(1, nowNanos);
        }
        if (tokens != null) {
            tokens.charge(tokenCost, nowNanos);
        }
        return RateLimitDecision.admitted(headers());
    }

    /** The current headers without charging anything (for answers given before admission, e.g. quota). */
    synchronized Map<String, String> peek(long nowNanos) {
        refill(nowNanos);
        return headers();
    }

    synchronized ObjectNode toJson(long startNanos) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        if (requests != null) {
            node.set("requests", requests.toJson(startNanos));
        }
        if (tokens != null) {
            node.set("tokens", tokens.toJson(startNanos));
        }
        return node;
    }

    private void refill(long nowNanos) {
        if (requests != null) {
            requests.refill(nowNanos);
        }
        if (tokens != null) {
            tokens.refill(nowNanos);
        }
    }

    private Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        put(headers, "requests", requests);
        put(headers, "tokens", tokens);
        return headers;
    }

    private static void put(Map<String, String> headers, String kind, TokenBucket bucket) {
        if (bucket == null) {
            return;
        }
        headers.put("x-ratelimit-limit-" + kind, Long.toString(bucket.perMinute));
        headers.put("x-ratelimit-remaining-" + kind, Long.toString(bucket.remaining()));
        headers.put("x-ratelimit-reset-" + kind, GoDuration.ofMillis(bucket.millisUntilFull()));
    }
}
