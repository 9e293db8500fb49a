package io.github.camelllm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.camelllm.PipelineApp;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The Batch API route end to end, against the built-in simulator over HTTP. */
class BatchRouteTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Prompts longer than 50 estimated tokens (200 chars) go to the Batch API in these tests. */
    private static final String LONG = "Summarise this: " + "lorem ipsum dolor sit amet ".repeat(12);

    @TempDir
    Path dir;

    private OpenAiSimulator sim;
    private final List<PipelineApp> apps = new ArrayList<>();

    @AfterEach
    void stop() {
        apps.forEach(PipelineApp::close);
        if (sim != null) {
            sim.close();
        }
    }

    private OpenAiSimulator simulator(SimulatorConfig config) {
        sim = new OpenAiSimulator(config.withLatencyMs(5).withJitterMs(0));
        sim.start();
        return sim;
    }

    private static SimulatorConfig fastBatches() {
        return SimulatorConfig.defaults().withBatchStepMs(100);
    }

    private PipelineApp app(Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("llm.base-url", sim.baseUrl());
        settings.put("llm.inbox.enabled", "false");
        settings.put("llm.work-dir", dir.resolve("work").toString());
        settings.put("llm.outbox", dir.resolve("outbox").toString());
        settings.put("llm.concurrency", "8");
        settings.put("llm.route.long-prompt-tokens", "50");
        settings.put("llm.batch.flush-ms", "300");
        settings.put("llm.batch.poll-interval-ms", "100");
        settings.put("llm.schedule.cron", "");
        settings.putAll(extra);
        PipelineApp app = PipelineApp.start(PipelineApp.settings(settings));
        apps.add(app);
        return app;
    }

    private Path promptFile(String name, List<String> lines) throws IOException {
        Path file = dir.resolve(name);
        Files.write(file, lines);
        return file;
    }

    private static String line(String id, String prompt, String extra) {
        return "{\"custom_id\":\"" + id + "\",\"prompt\":\"" + prompt + "\"" + (extra == null ? "" : "," + extra) + "}";
    }

    private List<JsonNode> results(String name) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(dir.resolve("outbox").resolve(name + ".results.jsonl"))) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    @Test
    void mixedRunRoutesBySizeAndModeAndAnswersEveryLineOnce() throws Exception {
        simulator(fastBatches());
        PipelineApp app = app(Map.of());
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
        Path file = promptFile("mixed.jsonl", lines);

        RunSummary summary = app.submitFile(file).get(30, TimeUnit.SECONDS);

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
                .containsExactlyElementsOf(java.util.stream.IntStream.rangeClosed(1, 15).boxed().toList());
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
    void shardsRespectMaxRequests() throws Exception {
        simulator(fastBatches());
        PipelineApp app = app(Map.of("llm.batch.max-requests", "3"));
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 7; i++) {
            lines.add(line("b" + i, LONG + i, null));
        }
        RunSummary summary = app.submitFile(promptFile("sharded.jsonl", lines)).get(30, TimeUnit.SECONDS);

        assertThat(summary.batch()).isEqualTo(7);
        assertThat(summary.batchIds()).hasSize(3); // 3 + 3 + 1
        assertThat(sim.batchInputFiles()).isEqualTo(3);
    }

    @Test
    void shardsRespectMaxBytes() throws Exception {
        simulator(fastBatches());
        // each request line is ~450 bytes: at most 2 fit in 1200 bytes
        PipelineApp app = app(Map.of("llm.batch.max-bytes", "1200"));
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            lines.add(line("b" + i, LONG + i, null));
        }
        RunSummary summary = app.submitFile(promptFile("bytes.jsonl", lines)).get(30, TimeUnit.SECONDS);

        assertThat(summary.batch()).isEqualTo(5);
        assertThat(sim.batchInputFiles()).isEqualTo(3);
        try (Stream<Path> shards = Files.list(dir.resolve("work").resolve(summary.runId()).resolve("batches"))) {
            assertThat(shards.filter(p -> p.getFileName().toString().matches("shard-[0-9-]+\\.jsonl")))
                    .allSatisfy(p -> assertThat(Files.size(p)).isLessThanOrEqualTo(1200));
        }
    }

    @Test
    void expiredBatchFallsBackToRealtime() throws Exception {
        simulator(fastBatches().withBatchOutcome("expired"));
        PipelineApp app = app(Map.of());
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            lines.add(line("b" + i, LONG + i, null));
        }
        RunSummary summary = app.submitFile(promptFile("expired.jsonl", lines)).get(30, TimeUnit.SECONDS);

        assertThat(summary.succeeded()).isEqualTo(6);
        assertThat(summary.batch()).isEqualTo(3);    // the simulator executes half before expiry
        assertThat(summary.realtime()).isEqualTo(3); // the rest is asked in real time
        assertThat(results("expired")).hasSize(6);
    }

    @Test
    void expiredBatchWithOnFailureErrorRecordsErrors() throws Exception {
        simulator(fastBatches().withBatchOutcome("expired"));
        PipelineApp app = app(Map.of("llm.batch.on-failure", "error"));
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 6; i++) {
            lines.add(line("b" + i, LONG + i, null));
        }
        RunSummary summary = app.submitFile(promptFile("expired.jsonl", lines)).get(30, TimeUnit.SECONDS);

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
    void failedBatchFallsBackToRealtime() throws Exception {
        simulator(fastBatches().withBatchOutcome("failed"));
        PipelineApp app = app(Map.of());
        List<String> lines = List.of(line("b1", LONG, null), line("b2", LONG + "2", null), line("s1", "hi", null));
        RunSummary summary = app.submitFile(promptFile("failed.jsonl", lines)).get(30, TimeUnit.SECONDS);

        assertThat(summary.succeeded()).isEqualTo(3);
        assertThat(summary.realtime()).isEqualTo(3);
        assertThat(summary.batchIds()).hasSize(1); // the failed batch is still named in the summary
    }

    @Test
    void errorFileLinesFollowOnFailure() throws Exception {
        simulator(fastBatches().withBatchErrorRate(1.0)); // every line lands in the error file (HTTP 500)
        PipelineApp app = app(Map.of("llm.batch.on-failure", "error"));
        List<String> lines = List.of(line("b1", LONG, null), line("b2", LONG + "2", null));
        RunSummary summary = app.submitFile(promptFile("errors.jsonl", lines)).get(30, TimeUnit.SECONDS);

        assertThat(summary.failed()).isEqualTo(2);
        assertThat(results("errors")).allSatisfy(r -> {
            assertThat(r.path("route").asText()).isEqualTo("batch");
            assertThat(r.path("error").path("http_status").asInt()).isEqualTo(500);
        });
    }

    @Test
    void errorFileLinesFallBackToRealtime() throws Exception {
        simulator(fastBatches().withBatchErrorRate(1.0));
        PipelineApp app = app(Map.of());
        List<String> lines = List.of(line("b1", LONG, null), line("b2", LONG + "2", null));
        RunSummary summary = app.submitFile(promptFile("errors.jsonl", lines)).get(30, TimeUnit.SECONDS);

        assertThat(summary.succeeded()).isEqualTo(2);
        assertThat(summary.realtime()).isEqualTo(2);
    }

    @Test
    void restartDuringPollingResumesWithoutUploadingAgain() throws Exception {
        simulator(SimulatorConfig.defaults().withBatchStepMs(1500)); // the batch outlives the first app
        Map<String, String> slowPoll = Map.of("llm.batch.poll-interval-ms", "200");
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            lines.add(line("s" + i, "hello " + i, null));
            lines.add(line("b" + i, LONG + i, null));
        }
        Path file = promptFile("restart.jsonl", lines);

        PipelineApp first = app(slowPoll);
        var pending = first.submitFile(file);
        Path work = dir.resolve("work");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> submittedJobs(work) == 1);
        first.close();
        apps.remove(first);
        assertThat(pending).isNotDone();
        assertThat(sim.batchInputFiles()).isEqualTo(1);

        PipelineApp second = app(slowPoll);
        RunSummary summary = second.submitFile(file).get(30, TimeUnit.SECONDS);

        assertThat(summary.total()).isEqualTo(8);
        assertThat(summary.succeeded()).isEqualTo(8);
        assertThat(summary.batch()).isEqualTo(4);
        assertThat(sim.batchInputFiles()).isEqualTo(1); // never uploaded twice
        assertThat(sim.batchesCreated()).isEqualTo(1);
        assertThat(results("restart")).hasSize(8);
    }

    @Test
    void crashBetweenUploadAndCreateAdoptsTheBatchMadeFromThatFile() throws Exception {
        simulator(SimulatorConfig.defaults().withBatchStepMs(1000));
        Map<String, String> poll = Map.of("llm.batch.poll-interval-ms", "200");
        List<String> lines = List.of(line("b1", LONG + 1, null), line("b2", LONG + 2, null), line("s1", "hi", null));
        Path file = promptFile("adopt.jsonl", lines);

        PipelineApp first = app(poll);
        first.submitFile(file);
        Path work = dir.resolve("work");
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> submittedJobs(work) == 1);
        first.close();
        apps.remove(first);
        // as if the process died after the upload was persisted but before the create answer was
        try (Stream<Path> jobs = Files.walk(work)) {
            Path job = jobs.filter(p -> p.getFileName().toString().matches("shard-.*\\.json")).findFirst().orElseThrow();
            com.fasterxml.jackson.databind.node.ObjectNode state =
                    (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(job.toFile());
            state.put("stage", "uploaded");
            state.putNull("batch_id");
            Files.writeString(job, state.toString());
        }

        RunSummary summary = app(poll).submitFile(file).get(30, TimeUnit.SECONDS);

        assertThat(summary.succeeded()).isEqualTo(3);
        assertThat(summary.batch()).isEqualTo(2);
        assertThat(summary.batchIds()).hasSize(1);
        assertThat(sim.batchInputFiles()).isEqualTo(1);
        assertThat(sim.batchesCreated()).isEqualTo(1); // found by input_file_id, not created again
    }

    private static long submittedJobs(Path work) throws IOException {
        if (!Files.isDirectory(work)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(work)) {
            return files.filter(p -> p.getFileName().toString().matches("shard-.*\\.json"))
                    .filter(p -> {
                        try {
                            return JSON.readTree(p.toFile()).path("batch_id").isTextual();
                        } catch (IOException e) {
                            return false;
                        }
                    }).count();
        }
    }

    @Test
    void cronFiresScheduledRunsAgainAndAgain() throws Exception {
        simulator(fastBatches());
        Path folder = Files.createDirectories(dir.resolve("schedule"));
        Files.write(folder.resolve("nightly.jsonl"), List.of(line("n1", "hi", null), line("n2", LONG, null)));
        app(Map.of("llm.schedule.cron", "0/1 * * * * ?", "llm.schedule.folder", folder.toString(),
                "llm.schedule.keep-outputs", "2"));

        // each firing writes its own dated output set: nightly.yyyyMMdd-HHmmss.*
        Path outbox = dir.resolve("outbox");
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
            try (Stream<Path> work = Files.list(dir.resolve("work"))) {
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
