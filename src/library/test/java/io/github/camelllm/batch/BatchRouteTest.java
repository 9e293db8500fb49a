package io.github.camelllm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static io.github.camelllm.PipelineFixture.JSON;
import static io.github.camelllm.PipelineFixture.line;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Batch API route end to end, against the built-in simulator over HTTP. */
class BatchRouteTest {

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

    /** A pipeline on a simulator of this configuration: long prompts go to its Batch API, polled often. */
    private PipelineFixture pipeline(SimulatorConfig config) {
        pipeline = PipelineFixture.onBatchSimulator(dir, config)
                .with("llm.concurrency", "8")
                .with("llm.batch.poll-interval-ms", "100");
        sim = pipeline.simulator();
        return pipeline;
    }

    private static SimulatorConfig fastBatches() {
        return SimulatorConfig.defaults().withBatchStepMs(100);
    }

    private List<JsonNode> results(String name) throws IOException {
        return pipeline.results(name);
    }

    /** {@code n} long prompts b1..bN: each goes to the Batch API. */
    private static List<String> longPrompts(int n) {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            lines.add(line("b" + i, LONG + i, null));
        }
        return lines;
    }

    @Test
    void a_mixed_run_is_routed_by_size_and_mode_and_every_line_is_answered_once() throws Exception {
        pipeline(fastBatches()).start();
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            lines.add(line("short-" + i, "Say hi " + i, null));                           // realtime by size
        }
        for (int i = 1; i <= 5; i++) {
            lines.add(line("long-" + i, LONG + i, null));                                 // batch by size
        }
        lines.add(line("long-other-model", LONG, "\"model\":\"gpt-4o\""));             // batch, own shard
        lines.add(line("forced-batch", "short but batched", "\"mode\":\"batch\""));     // batch by mode
        lines.add(line("forced-realtime", LONG, "\"mode\":\"realtime\""));              // realtime by mode
        lines.add("{not json");                                                           // invalid
        Path file = pipeline.write("mixed.jsonl", lines);

        RunSummary summary = pipeline.run(file);

        assertThat(summary.total()).isEqualTo(15);
        assertThat(summary.succeeded()).isEqualTo(14);
        assertThat(summary.invalid()).isEqualTo(1);
        assertThat(summary.realtime()).isEqualTo(7);
        assertThat(summary.batch()).isEqualTo(7);
        assertThat(summary.batchIds()).hasSize(2); // one shard per model
        assertThat(sim.batchInputFiles()).isEqualTo(2);
        assertThat(sim.batchesCreated()).isEqualTo(2);

        List<JsonNode> results = results("mixed");
        assertThat(results).extracting(r -> r.path("line").asInt())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 15).boxed().toList());
        for (JsonNode r : results) {
            String id = r.path("custom_id").asText();
            if (id.startsWith("long-") || id.equals("forced-batch")) {
                assertThat(r.path("route").asText()).as(id).isEqualTo("batch");
                assertThat(r.path("status").asText()).as(id).isEqualTo("ok");
                assertThat(r.path("batch_id").asText()).as(id).startsWith("batch_");
                assertThat(r.path("content").asText()).as(id).isNotBlank();
                assertThat(r.path("usage").path("total_tokens").asLong()).as(id).isPositive();
            } else if (id.startsWith("short-") || id.equals("forced-realtime")) {
                assertThat(r.path("route").asText()).as(id).isEqualTo("realtime");
                assertThat(r.has("batch_id")).as(id).isFalse();
            }
        }
    }

    @Test
    void shards_hold_at_most_max_requests_lines() throws Exception {
        pipeline(fastBatches()).with("llm.batch.max-requests", "3").start();
        RunSummary summary = pipeline.run(pipeline.write("sharded.jsonl", longPrompts(7)));

        assertThat(summary.batch()).isEqualTo(7);
        assertThat(summary.batchIds()).hasSize(3); // 3 + 3 + 1
        assertThat(sim.batchInputFiles()).isEqualTo(3);
    }

    @Test
    void shards_hold_at_most_max_bytes() throws Exception {
        // each request line is ~450 bytes: at most 2 fit in 1200 bytes
        pipeline(fastBatches()).with("llm.batch.max-bytes", "1200").start();
        RunSummary summary = pipeline.run(pipeline.write("bytes.jsonl", longPrompts(5)));

        assertThat(summary.batch()).isEqualTo(5);
        assertThat(sim.batchInputFiles()).isEqualTo(3);
        try (Stream<Path> shards = Files.list(pipeline.work.resolve(summary.runId()).resolve("batches"))) {
            assertThat(shards.filter(p -> p.getFileName().toString().matches("shard-[0-9-]+\\.jsonl")))
                    .allSatisfy(p -> assertThat(Files.size(p)).isLessThanOrEqualTo(1200));
        }
    }

    @Test
    void an_expired_batch_falls_back_to_realtime() throws Exception {
        pipeline(fastBatches().withBatchOutcome("expired")).start();
        RunSummary summary = pipeline.run(pipeline.write("expired.jsonl", longPrompts(6)));

        assertThat(summary.succeeded()).isEqualTo(6);
        assertThat(summary.batch()).isEqualTo(3);    // the simulator executes half before expiry
        assertThat(summary.realtime()).isEqualTo(3); // the rest is asked in real time
        assertThat(results("expired")).hasSize(6);
    }

    @Test
    void an_expired_batch_with_on_failure_error_records_errors() throws Exception {
        pipeline(fastBatches().withBatchOutcome("expired")).with("llm.batch.on-failure", "error").start();
        RunSummary summary = pipeline.run(pipeline.write("expired.jsonl", longPrompts(6)));

        assertThat(summary.succeeded()).isEqualTo(3);
        assertThat(summary.failed()).isEqualTo(3);
        assertThat(summary.batch()).isEqualTo(6);
        assertThat(summary.realtime()).isZero();
        assertThat(results("expired")).filteredOn(r -> r.path("status").asText().equals("error"))
                .hasSize(3)
                .allSatisfy(r -> {
                    assertThat(r.path("error").path("type").asText()).isEqualTo("batch_expired");
                    assertThat(r.path("batch_id").asText()).startsWith("batch_");
                });
    }

    @Test
    void a_failed_batch_falls_back_to_realtime() throws Exception {
        pipeline(fastBatches().withBatchOutcome("failed")).start();
        List<String> lines = List.of(line("b1", LONG, null), line("b2", LONG + "2", null), line("s1", "hi", null));
        RunSummary summary = pipeline.run(pipeline.write("failed.jsonl", lines));

        assertThat(summary.succeeded()).isEqualTo(3);
        assertThat(summary.realtime()).isEqualTo(3);
        assertThat(summary.batchIds()).hasSize(1); // the failed batch is still named in the summary
    }

    @Test
    void error_file_lines_follow_on_failure() throws Exception {
        // every line lands in the error file (HTTP 500)
        pipeline(fastBatches().withBatchErrorRate(1.0)).with("llm.batch.on-failure", "error").start();
        List<String> lines = List.of(line("b1", LONG, null), line("b2", LONG + "2", null));
        RunSummary summary = pipeline.run(pipeline.write("errors.jsonl", lines));

        assertThat(summary.failed()).isEqualTo(2);
        assertThat(results("errors")).allSatisfy(r -> {
            assertThat(r.path("route").asText()).isEqualTo("batch");
            assertThat(r.path("error").path("http_status").asInt()).isEqualTo(500);
        });
    }

    @Test
    void error_file_lines_fall_back_to_realtime() throws Exception {
        pipeline(fastBatches().withBatchErrorRate(1.0)).start();
        List<String> lines = List.of(line("b1", LONG, null), line("b2", LONG + "2", null));
        RunSummary summary = pipeline.run(pipeline.write("errors.jsonl", lines));

        assertThat(summary.succeeded()).isEqualTo(2);
        assertThat(summary.realtime()).isEqualTo(2);
    }

    @Test
    void a_restart_during_polling_resumes_without_uploading_again() throws Exception {
        // the batch outlives the first pipeline
        pipeline(SimulatorConfig.defaults().withBatchStepMs(1500)).with("llm.batch.poll-interval-ms", "200");
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            lines.add(line("s" + i, "hello " + i, null));
            lines.add(line("b" + i, LONG + i, null));
        }
        Path file = pipeline.write("restart.jsonl", lines);

        CompletableFuture<RunSummary> pending = pipeline.start().submitFile(file);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> submittedJobs() == 1);
        pipeline.stop();
        assertThat(pending).isNotDone();
        assertThat(sim.batchInputFiles()).isEqualTo(1);

        pipeline.start();
        RunSummary summary = pipeline.run(file);

        assertThat(summary.total()).isEqualTo(8);
        assertThat(summary.succeeded()).isEqualTo(8);
        assertThat(summary.batch()).isEqualTo(4);
        assertThat(sim.batchInputFiles()).isEqualTo(1); // never uploaded twice
        assertThat(sim.batchesCreated()).isEqualTo(1);
        assertThat(results("restart")).hasSize(8);
    }

    @Test
    void a_crash_between_upload_and_create_adopts_the_batch_made_from_that_file() throws Exception {
        pipeline(SimulatorConfig.defaults().withBatchStepMs(1000)).with("llm.batch.poll-interval-ms", "200");
        List<String> lines = List.of(line("b1", LONG + 1, null), line("b2", LONG + 2, null), line("s1", "hi", null));
        Path file = pipeline.write("adopt.jsonl", lines);

        pipeline.start().submitFile(file);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> submittedJobs() == 1);
        pipeline.stop();
        // as if the process died after the upload was persisted but before the create answer was
        try (Stream<Path> jobs = Files.walk(pipeline.work)) {
            Path job = jobs.filter(p -> p.getFileName().toString().matches("shard-.*\\.json")).findFirst().orElseThrow();
            ObjectNode state = (ObjectNode) JSON.readTree(job.toFile());
            state.put("stage", "uploaded");
            state.putNull("batch_id");
            Files.writeString(job, state.toString());
        }

        pipeline.start();
        RunSummary summary = pipeline.run(file);

        assertThat(summary.succeeded()).isEqualTo(3);
        assertThat(summary.batch()).isEqualTo(2);
        assertThat(summary.batchIds()).hasSize(1);
        assertThat(sim.batchInputFiles()).isEqualTo(1);
        assertThat(sim.batchesCreated()).isEqualTo(1); // found by input_file_id, not created again
    }

    /** Persisted jobs whose batch was created (a batch id is known). */
    private long submittedJobs() throws IOException {
        return pipeline.batchJobs().stream().filter(job -> job.path("batch_id").isTextual()).count();
    }

    @Test
    void cron_fires_scheduled_runs_again_and_again() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("schedule"));
        Files.write(folder.resolve("nightly.jsonl"), List.of(line("n1", "hi", null), line("n2", LONG, null)));
        pipeline(fastBatches()).with("llm.schedule.cron", "0/1 * * * * ?")
                .with("llm.schedule.folder", folder.toString()).with("llm.schedule.keep-outputs", "2").start();

        // each firing writes its own dated output set: nightly.yyyyMMdd-HHmmss.*
        Path outbox = pipeline.outbox;
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> datedSummaries(outbox).size() >= 1);
        Path summary = datedSummaries(outbox).get(0);
        JsonNode first = JSON.readTree(summary.toFile());
        assertThat(first.path("total").asInt()).isEqualTo(2);
        assertThat(first.path("routes").path("batch").asInt()).isEqualTo(1);
        assertThat(Files.exists(folder.resolve("nightly.jsonl"))).isTrue(); // not moved
        assertThat(outbox.resolve("nightly.summary.json")).doesNotExist();
        // later firings run the same content again; only the newest two output sets are kept
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(100))
                .until(() -> !Files.exists(summary) && datedSummaries(outbox).size() == 2);
        assertThat(datedSummaries(outbox)).allSatisfy(s -> assertThat(Files.readAllLines(
                s.resolveSibling(s.getFileName().toString().replace(".summary.json", ".results.jsonl")))).hasSize(2));
        // a later firing runs the same content again (rerun), keeping the earlier work folder aside
        String runId = first.path("run_id").asText();
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
            try (Stream<Path> work = Files.list(pipeline.work)) {
                return work.anyMatch(p -> p.getFileName().toString().equals(runId + ".previous"));
            }
        });
    }

    static List<Path> datedSummaries(Path outbox) throws IOException {
        if (!Files.isDirectory(outbox)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(outbox)) {
            return files.filter(p -> p.getFileName().toString().matches("nightly\\.\\d{8}-\\d{6}\\.summary\\.json"))
                    .sorted().toList();
        }
    }
}
