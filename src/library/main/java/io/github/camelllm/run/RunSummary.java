package io.github.camelllm.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import io.github.camelllm.cost.RunCost;
import io.github.camelllm.json.Jackson;

import java.time.Instant;
import java.util.List;

/**
 * What a finished run did, as written to NAME.summary.json and printed by {@code run FILE}. A run that was run
 * again to send its failed lines (or whose failed file was dropped in again) is summarised whole: every line
 * counts with its latest result.
 *
 * @param wallMs           wall time of the run: the part this process did, from when it opened the run (a run
 *                         resumed after a crash or a stop counts from the resumption, not from its first start),
 *                         plus the wall time of earlier openings that completed (a run run again for its errors)
 * @param throughputRps    answers (ok results) this process received per second of its own part: calls that
 *                         were refused or never made do not count
 * @param startedAtMs      when this process opened the run
 * @param firstStartedAtMs when the run first started; earlier than {@code startedAtMs} when it was resumed
 * @param cost             what the run cost: tokens and USD per route, the Batch API's saving, models without a
 *                         price
 * @param nextStep         what to do next, in one line
 */
public record RunSummary(String runId, String input, long total, long succeeded, long failed, long invalid,
                         long retries, long wallMs, double throughputRps, Latency latencyMs, long promptTokens,
                         long completionTokens, long realtime, long batch, List<String> batchIds,
                         boolean simulated, RateLimits rateLimits, long startedAtMs, long firstStartedAtMs,
                         RunCost cost, BatchHolds batchHolds, String nextStep) {

    /**
     * How long this process held the run's Batch API shards back before it submitted them (while what was
     * enqueued plus the shard passed llm.batch.max-enqueued-requests or llm.batch.max-enqueued-tokens, or while
     * the spend cap had no room for it): how many shards waited, their waits added up and the longest one.
     */
    public record BatchHolds(@JsonProperty("held_shards") long shards,
                             @JsonProperty("held_total_ms") long totalMs,
                             @JsonProperty("held_longest_ms") long longestMs) {
        public static final BatchHolds NONE = new BatchHolds(0, 0, 0);
    }

    /**
     * What the provider's limits did to the run: rate-limit answers (429 rate_limit_exceeded) it took, and the
     * wall time during which the pipeline held calls back for limits while the run was active.
     */
    public record RateLimits(@JsonProperty("rate_limited_answers") long rateLimitedAnswers,
                             @JsonProperty("throttled_ms") long throttledMs) {
        public static final RateLimits NONE = new RateLimits(0, 0);
    }

    /** Latency of answered calls (ok and error), first attempt to final answer, in milliseconds. */
    public record Latency(double avg, long p50, long p95, long p99, long max) {
    }

    public boolean allSucceeded() {
        return failed == 0 && invalid == 0;
    }

    /** The run was resumed: an earlier process started it. */
    public boolean resumed() {
        return firstStartedAtMs < startedAtMs;
    }

    /** The summary file's shape, field by field in the order it is written. */
    private record Json(@JsonProperty("run_id") String runId, String input, long total, long succeeded, long failed,
                        long invalid, long retries, @JsonProperty("wall_ms") long wallMs,
                        @JsonProperty("throughput_rps") double throughputRps,
                        @JsonProperty("latency_ms") Latency latencyMs, Tokens tokens, Routes routes,
                        @JsonInclude(JsonInclude.Include.NON_NULL) RunCost cost,
                        @JsonProperty("batch_ids") List<String> batchIds,
                        @JsonProperty("batch_holds") @JsonInclude(JsonInclude.Include.NON_NULL) BatchHolds batchHolds,
                        @JsonProperty("rate_limits") RateLimits rateLimits, boolean simulated,
                        @JsonProperty("started_at") String startedAt,
                        @JsonProperty("first_started_at") String firstStartedAt,
                        @JsonProperty("next_step") @JsonInclude(JsonInclude.Include.NON_NULL) String nextStep) {
    }

    private record Tokens(long prompt, long completion) {
    }

    private record Routes(long realtime, long batch) {
    }

    public String toJson() {
        Latency rounded = new Latency(Math.round(latencyMs.avg() * 10) / 10.0, latencyMs.p50(), latencyMs.p95(),
                latencyMs.p99(), latencyMs.max());
        try {
            return Jackson.MAPPER.writerWithDefaultPrettyPrinter()
                    .with(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
                    .writeValueAsString(new Json(runId, input, total, succeeded, failed, invalid, retries, wallMs,
                            Math.round(throughputRps * 100) / 100.0, rounded, new Tokens(promptTokens,
                            completionTokens), new Routes(realtime, batch), cost, batchIds,
                            batchHolds == null || batchHolds.shards() == 0 ? null : batchHolds, rateLimits, simulated,
                            Instant.ofEpochMilli(startedAtMs).toString(),
                            Instant.ofEpochMilli(firstStartedAtMs).toString(), nextStep));
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
                + (resumed() ? " (resumed; first started " + Instant.ofEpochMilli(firstStartedAtMs) + ")" : "")
                + (batchHolds == null || batchHolds.shards() == 0 ? "" : String.format(", %d batch shard(s) held "
                + "%.1f s in all (longest %.1f s) before submission", batchHolds.shards(), batchHolds.totalMs() / 1000.0,
                batchHolds.longestMs() / 1000.0))
                + (cost == null ? "" : ", " + cost.describe())
                + (simulated ? " (SIMULATED answers)" : "");
    }
}
