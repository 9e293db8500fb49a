package io.github.camelllm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.observe.PipelineObserver;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.github.camelllm.PipelineFixture.line;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * llm.batch.max-enqueued-requests and llm.batch.max-enqueued-tokens against the simulator's Batch API over HTTP:
 * shards are cut to fit, wait sealed until what is enqueued plus their own fits, never pass the limit at the API,
 * and the summary says how long they waited.
 */
class BatchEnqueuedLimitsTest {

    private static final String LONG = PipelineFixture.LONG_PROMPT;

    @TempDir
    Path dir;

    private PipelineFixture pipeline;
    private OpenAiSimulator sim;

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /** Batches of this simulator take 3 x 200 ms; the pipeline polls every 100 ms. */
    private PipelineFixture pipeline(SimulatorConfig config) {
        pipeline = PipelineFixture.onBatchSimulator(dir, config.withBatchStepMs(200))
                .with("llm.batch.poll-interval-ms", "100");
        sim = pipeline.simulator();
        return pipeline;
    }

    /** {@code n} long prompts b1..bN of 1000 tokens each (their max_tokens) for the Batch API. */
    private Path prompts(String name, int n) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            lines.add(line("b" + i, LONG + i, "\"max_tokens\":1000"));
        }
        return pipeline.write(name, lines);
    }

    private void assertAllAnsweredByBatch(String name, RunSummary summary, int n) throws IOException {
        assertThat(summary.succeeded()).isEqualTo(n);
        assertThat(summary.batch()).isEqualTo(n);
        assertThat(summary.realtime()).isZero();
        assertThat(sim.chatRequests()).as("nothing sent in real time").isZero();
        assertThat(pipeline.results(name)).hasSize(n).allSatisfy(r -> {
            assertThat(r.path("status").asText()).isEqualTo("ok");
            assertThat(r.path("route").asText()).isEqualTo("batch");
        });
    }

    /** The summary's batch_holds: shards waited, all of them together and the longest longer than nothing. */
    private void assertHeld(String name, RunSummary summary, int shardsHeld) throws IOException {
        RunSummary.BatchHolds holds = summary.batchHolds();
        assertThat(holds.shards()).isEqualTo(shardsHeld);
        assertThat(holds.longestMs()).isPositive();
        assertThat(holds.totalMs()).isGreaterThanOrEqualTo(holds.longestMs());
        JsonNode written = pipeline.summary(name).path("batch_holds");
        assertThat(written.path("held_shards").asLong()).isEqualTo(shardsHeld);
        assertThat(written.path("held_total_ms").asLong()).isEqualTo(holds.totalMs());
        assertThat(written.path("held_longest_ms").asLong()).isEqualTo(holds.longestMs());
        assertThat(summary.oneLine()).contains(shardsHeld + " batch shard(s) held");
    }

    @Test
    void no_more_requests_than_the_limit_are_ever_enqueued_and_every_shard_is_answered() throws Exception {
        int limit = 3;
        pipeline(SimulatorConfig.defaults()).with("llm.batch.max-enqueued-requests", Integer.toString(limit)).start();

        PipelineObserver observer = pipeline.app().context().getRegistry()
                .lookupByNameAndType("llm-observer", PipelineObserver.class);
        CompletableFuture<RunSummary> pending = pipeline.app().submitFile(prompts("requests.jsonl", 3 * limit));
        // while the first shard's batch runs, the others wait: the progress line says so
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).until(() ->
                observer.active().stream().anyMatch(p -> p.batchHeld() > 0 && p.line().contains("batch shards held")));
        RunSummary summary = pending.get(30, TimeUnit.SECONDS);

        assertThat(sim.batchesCreated()).as("shards cut at the limit").isEqualTo(3);
        assertThat(pipeline.batchJobs()).hasSize(3).allSatisfy(job ->
                assertThat(job.path("lines").size()).isEqualTo(limit));
        assertThat(sim.batchPeakEnqueuedRequests()).as("enqueued at once, seen by the API").isEqualTo(limit);
        assertAllAnsweredByBatch("requests", summary, 3 * limit);
        assertHeld("requests", summary, 2); // the second and third shard each waited for the one before
    }

    @Test
    void shards_wait_for_the_enqueued_tokens_and_never_fail_on_the_token_limit() throws Exception {
        // the API's limit is the configured one: a shard sent before it fits fails with token_limit_exceeded
        pipeline(SimulatorConfig.defaults().withBatchMaxEnqueuedTokens(3000))
                .with("llm.batch.max-enqueued-tokens", "3000").start();

        RunSummary summary = pipeline.run(prompts("tokens.jsonl", 9));

        assertThat(sim.batchesCreated()).as("three shards of 3000 tokens, each created once").isEqualTo(3);
        assertThat(sim.batchesTokenLimitExceeded()).isZero();
        assertThat(sim.batchPeakEnqueuedTokens()).isEqualTo(3000);
        assertThat(pipeline.batchJobs()).allSatisfy(job -> assertThat(job.path("resubmits").asInt()).isZero());
        assertAllAnsweredByBatch("tokens", summary, 9);
        assertHeld("tokens", summary, 2);
    }

    @Test
    void without_limits_nothing_waits_and_the_summary_has_no_holds() throws Exception {
        pipeline(SimulatorConfig.defaults()).start();

        RunSummary summary = pipeline.run(prompts("free.jsonl", 6));

        assertThat(sim.batchesCreated()).isEqualTo(1);
        assertThat(sim.batchPeakEnqueuedRequests()).isEqualTo(6);
        assertAllAnsweredByBatch("free", summary, 6);
        assertThat(summary.batchHolds().shards()).isZero();
        assertThat(pipeline.summary("free").has("batch_holds")).isFalse();
    }
}
