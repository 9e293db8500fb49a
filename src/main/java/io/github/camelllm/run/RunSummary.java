package io.github.camelllm.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/** What a finished run did, as written to NAME.summary.json and printed by {@code run FILE}. */
public record RunSummary(String runId, String input, long total, long succeeded, long failed, long invalid,
                         long retries, long wallMs, double throughputRps, Latency latencyMs, long promptTokens,
                         long completionTokens, long realtime, long batch, List<String> batchIds,
                         boolean simulated, RateLimits rateLimits) {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * What the provider's limits did to the run: rate-limit answers (429 rate_limit_exceeded) it took, and the
     * wall time during which the pipeline held calls back for limits while the run was active.
     */
    public record RateLimits(long rateLimitedAnswers, long throttledMs) {
        public static final RateLimits NONE = new RateLimits(0, 0);
    }

    /** Latency of answered calls (ok and error), first attempt to final answer, in milliseconds. */
    public record Latency(double avg, long p50, long p95, long p99, long max) {
    }

    public boolean allSucceeded() {
        return failed == 0 && invalid == 0;
    }

    public String toJson() {
        ObjectNode n = MAPPER.createObjectNode();
        n.put("run_id", runId);
        n.put("input", input);
        n.put("total", total);
        n.put("succeeded", succeeded);
        n.put("failed", failed);
        n.put("invalid", invalid);
        n.put("retries", retries);
        n.put("wall_ms", wallMs);
        n.put("throughput_rps", Math.round(throughputRps * 100) / 100.0);
        ObjectNode l = n.putObject("latency_ms");
        l.put("avg", Math.round(latencyMs.avg() * 10) / 10.0);
        l.put("p50", latencyMs.p50());
        l.put("p95", latencyMs.p95());
        l.put("p99", latencyMs.p99());
        l.put("max", latencyMs.max());
        ObjectNode t = n.putObject("tokens");
        t.put("prompt", promptTokens);
        t.put("completion", completionTokens);
        ObjectNode r = n.putObject("routes");
        r.put("realtime", realtime);
        r.put("batch", batch);
        n.putPOJO("batch_ids", batchIds);
        ObjectNode limits = n.putObject("rate_limits");
        limits.put("rate_limited_answers", rateLimits.rateLimitedAnswers());
        limits.put("throttled_ms", rateLimits.throttledMs());
        n.put("simulated", simulated);
        try {
            return MAPPER.writeValueAsString(n);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line for logs and the console. */
    public String oneLine() {
        return String.format("run %s: %d lines, %d ok, %d failed, %d invalid, %d retries, %.1f s, %.1f req/s, "
                        + "p50 %d ms, p99 %d ms, tokens %d+%d, realtime %d, batch %d, %d rate-limit answers, "
                        + "throttled %.1f s",
                runId, total, succeeded, failed, invalid, retries, wallMs / 1000.0, throughputRps, latencyMs.p50(),
                latencyMs.p99(), promptTokens, completionTokens, realtime, batch, rateLimits.rateLimitedAnswers(),
                rateLimits.throttledMs() / 1000.0)
                + (simulated ? " (SIMULATED answers)" : "");
    }
}
