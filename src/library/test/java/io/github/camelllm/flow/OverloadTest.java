package io.github.camelllm.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.SimulatorConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Servers that say "too much" without OpenAI's buckets, and a server that fails most calls, against the simulator
 * (and WireMock): the run goes on at the pace the server takes, without hammering it and without stalling.
 */
class OverloadTest {

    @TempDir
    Path tmp;

    static CallGate gate(PipelineFixture pipeline) {
        return pipeline.app().context().getRegistry().lookupByNameAndType("llm-callGate", CallGate.class);
    }

    @Test
    void a_gateway_that_caps_calls_in_flight_gets_fewer_calls_at_once_not_a_storm_of_retries() throws Exception {
        // 429 without an error code past 10 calls in flight, "retry-after: 0"
        SimulatorConfig sim = SimulatorConfig.defaults().withLatencyMs(100).withConcurrencyLimit(10)
                .withRetryAfterSeconds(0);
        try (PipelineFixture pipeline = PipelineFixture.onSimulator(tmp, sim)) {
            pipeline.with("llm.concurrency", "50").with("llm.retry.initial-delay-ms", "100")
                    .with("llm.retry.max-delay-ms", "1000").start();
            RunSummary summary = pipeline.run(pipeline.write("cap.jsonl", PipelineFixture.prompts(600)));

            assertThat(summary.succeeded()).isEqualTo(600);
            ConcurrencyLimit limit = gate(pipeline).concurrency();
            assertThat(limit.decreases()).as("the calls in flight were lowered").isPositive();
            assertThat(limit.inFlight()).isZero();
            assertThat(pipeline.simulator().concurrencyRejections())
                    .as("429s for 600 answers (at a fixed 50 in flight: 4 for every answer)").isLessThan(600);
            assertThat(pipeline.results("cap")).allSatisfy(r -> assertThat(r.get("attempts").asInt()).isEqualTo(1));
        }
    }

    @Test
    void random_rate_limit_answers_cost_their_calls_a_retry_not_the_pipeline_its_pace() throws Exception {
        // 2 % of calls answer 429 rate_limit_exceeded with Retry-After 1 s, from no bucket (no limits, no headers)
        SimulatorConfig sim = SimulatorConfig.defaults().withLatencyMs(30).withRate429(0.02).withRetryAfterSeconds(1);
        try (PipelineFixture pipeline = PipelineFixture.onSimulator(tmp, sim)) {
            pipeline.with("llm.concurrency", "20").start();
            RunSummary summary = pipeline.run(pipeline.write("random.jsonl", PipelineFixture.prompts(1000)));

            assertThat(summary.succeeded()).isEqualTo(1000);
            assertThat(summary.rateLimits().rateLimitedAnswers()).isPositive();
            assertThat(summary.rateLimits().throttledMs()).as("nobody paused for another call's 429").isZero();
            ConcurrencyLimit limit = gate(pipeline).concurrency();
            assertThat(limit.decreases()).as("a few random 429s do not lower the calls in flight").isZero();
            assertThat(limit.limit()).isEqualTo(20);
        }
    }

    @Test
    void rate_limit_answers_whose_headers_claim_plenty_left_slow_the_sender_down_anyway() throws Exception {
        // every call: 429 rate_limit_exceeded, yet 9,999 of 10,000 requests remaining, reset in 6 ms
        SimulatorConfig sim = SimulatorConfig.defaults().withLatencyMs(5).withRate429(1).withLyingHeaders(true)
                .withRetryAfterSeconds(0.006);
        try (PipelineFixture pipeline = PipelineFixture.onSimulator(tmp, sim)) {
            pipeline.with("llm.retry.initial-delay-ms", "100").with("llm.retry.max-delay-ms", "1000")
                    .with("llm.retry.max-rate-limit-wait-ms", "4000").start();
            RunSummary summary = pipeline.run(pipeline.write("lying.jsonl", PipelineFixture.prompts(10)));

            assertThat(summary.failed()).isEqualTo(10);
            assertThat(pipeline.results("lying")).allSatisfy(r -> assertThat(r.get("error").get("type").asText())
                    .isEqualTo("rate_limited"));
            // 10 prompts for 4 s, each waiting 100, 200, 400, 800, 1000 ms … between its calls: about 8 calls each
            assertThat(pipeline.simulator().chatRequests()).as("calls for 10 prompts in 4 s").isLessThan(150);
        }
    }

    @Test
    void an_hour_of_retry_after_is_cut_to_the_longest_wait_allowed() throws Exception {
        // every call: 429 with Retry-After: 3600 and nothing else to go by
        SimulatorConfig sim = SimulatorConfig.defaults().withLatencyMs(5).withRate429(1).withRate429Code("none")
                .withRetryAfterSeconds(3600);
        try (PipelineFixture pipeline = PipelineFixture.onSimulator(tmp, sim)) {
            pipeline.with("llm.retry.max-retry-after-ms", "500").with("llm.retry.max-rate-limit-wait-ms", "2000")
                    .start();
            long start = System.nanoTime();
            RunSummary summary = pipeline.run(pipeline.write("hour.jsonl", PipelineFixture.prompts(5)));

            assertThat(summary.failed()).isEqualTo(5);
            assertThat((System.nanoTime() - start) / 1_000_000_000L).as("seconds, for waits of an hour").isLessThan(20);
            assertThat(pipeline.simulator().chatRequests()).as("one call per prompt every 500 ms for 2 s")
                    .isBetween(10L, 40L);
        }
    }

    @Test
    void a_server_that_fails_most_calls_is_not_an_outage_the_run_goes_on() throws Exception {
        // 85 % of calls answer 500
        SimulatorConfig sim = SimulatorConfig.defaults().withLatencyMs(20).withRate500(0.85);
        try (PipelineFixture pipeline = PipelineFixture.onSimulator(tmp, sim)) {
            // short backoffs: the run is about how many answers a sick server gives, not about waiting for them
            pipeline.with("llm.concurrency", "50").with("llm.retry.max-attempts", "5")
                    .with("llm.retry.initial-delay-ms", "50").with("llm.retry.max-delay-ms", "400")
                    .with("llm.retry.max-probe-interval-ms", "30000").start();
            RunSummary summary = pipeline.app().submitFile(pipeline.write("sick.jsonl", PipelineFixture.prompts(800)))
                    .get(120, TimeUnit.SECONDS);

            assertThat(summary.total()).isEqualTo(800);
            // 1 - 0.85^5 = 56 % of prompts get an answer within 5 attempts
            assertThat(summary.succeeded()).isBetween(380L, 510L);
            List<JsonNode> failed = pipeline.results("sick").stream()
                    .filter(r -> !r.get("status").asText().equals("ok")).toList();
            assertThat(failed).allSatisfy(r -> {
                assertThat(r.get("attempts").asInt()).as("every failed prompt had all its attempts").isEqualTo(5);
                assertThat(r.get("error").get("type").asText()).isNotEqualTo("outage");
            });
            assertThat(gate(pipeline).outage()).isFalse();
        }
    }
}
