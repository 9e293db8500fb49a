package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The simulator's own endpoints, off the /v1 paths, so a test or benchmark can steer a simulator
 * running in another process: {@code POST /sim/control} changes faults at run time and
 * {@code GET /sim/stats} reports the counters.
 * <p>
 * Control body, every key optional: {@code {"outage":"html502"|"500"|"503"|"reset"|"hang"|null,
 * "outageAfterMs":N, "outageForMs":N, "topUp":true, "quotaAfter":N}}. It answers with the state after
 * the change, as {@code GET /sim/control} does.
 */
final class SimulatorControl {
    private final SimulatorStats stats;
    private final RateLimiter limiter;
    private final AccountQuota quota;
    private final Outage outage;
    private final FileStore files;
    private final BatchService batches;

    SimulatorControl(SimulatorStats stats, RateLimiter limiter, AccountQuota quota, Outage outage, FileStore files,
                     BatchService batches) {
        this.stats = stats;
        this.limiter = limiter;
        this.quota = quota;
        this.outage = outage;
        this.files = files;
        this.batches = batches;
    }

    SimResponse apply(JsonNode body) {
        if (body == null || !body.isObject()) {
            return OpenAiErrors.invalidRequest("The control body must be a JSON object.", null);
        }
        try {
            if (body.has("outage")) {
                JsonNode mode = body.get("outage");
                OutageMode parsed = OutageMode.parse(mode.isNull() ? null : mode.asText());
                long after = nonNegative(body, "outageAfterMs");
                long length = nonNegative(body, "outageForMs");
                outage.schedule(parsed, after, length);
            }
            if (body.has("quotaAfter")) {
                quota.setLimit(body.get("quotaAfter").asLong());
            }
            if (body.path("topUp").asBoolean(false)) {
                quota.topUp();
            }
        } catch (IllegalArgumentException e) {
            return OpenAiErrors.invalidRequest(e.getMessage(), null);
        }
        return state();
    }

    SimResponse state() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        OutageMode now = outage.current();
        node.put("outage", now == null ? null : now.wireName());
        node.put("quota_after", quota.limit());
        node.put("quota_used", quota.used());
        return SimResponse.json(200, Json.bytes(node));
    }

    SimResponse stats() {
        ObjectNode json = stats.toJson();
        json.put("files", files.size());
        json.put("batches", batches.size());
        OutageMode now = outage.current();
        json.put("outage", now == null ? null : now.wireName());
        ObjectNode account = json.putObject("quota");
        account.put("after", quota.limit());
        account.put("used", quota.used());
        json.set("rate_limit", limiter.toJson());
        return SimResponse.json(200, Json.bytes(json));
    }

    private static long nonNegative(JsonNode body, String field) {
        long v = body.path(field).asLong(0);
        if (v < 0) {
            throw new IllegalArgumentException(field + " must be >= 0: " + v);
        }
        return v;
    }
}
