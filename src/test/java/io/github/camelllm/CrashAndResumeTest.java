package io.github.camelllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kills the pipeline (a separate JVM running {@code run FILE}) mid-run with SIGKILL or stops it with SIGTERM,
 * starts it again, and checks that every line ends with exactly one result and that no answered prompt is
 * paid for twice.
 */
class CrashAndResumeTest {

    static final int CONCURRENCY = 8;

    @TempDir
    Path tmp;
    WireMockServer server;

    @BeforeEach
    void setUp() {
        server = new WireMockServer(options().dynamicPort().containerThreads(40).asynchronousResponseEnabled(true));
        server.start();
    }

    @AfterEach
    void tearDown() {
        server.stop();
    }

    void stubEcho(int delayMs) {
        server.stubFor(post(urlEqualTo("/v1/chat/completions")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(RealtimeCallsTest.completion("re: {{jsonPath request.body '$.messages[0].content'}}"))
                .withTransformers("response-template").withFixedDelay(delayMs)));
    }

    Process start(Path file) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Dllm.base-url=http://127.0.0.1:" + server.port() + "/v1");
        cmd.add("-Dllm.outbox=" + tmp.resolve("outbox"));
        cmd.add("-Dllm.work-dir=" + tmp.resolve("work"));
        cmd.add("-Dllm.concurrency=" + CONCURRENCY);
        cmd.add("-Dllm.shutdown.timeout-ms=20000");
        cmd.add(Launcher.class.getName());
        cmd.add("run");
        cmd.add(file.toString());
        return new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("child-" + System.nanoTime() + ".log").toFile()).start();
    }

    long journalLines() throws IOException {
        Path work = tmp.resolve("work");
        if (!Files.exists(work)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(work)) {
            long n = 0;
            for (Path p : files.filter(p -> p.getFileName().toString().equals("journal.jsonl")).toList()) {
                n += Files.readAllLines(p).size();
            }
            return n;
        }
    }

    Map<String, Long> callsPerPrompt() {
        return server.getAllServeEvents().stream().map(ServeEvent::getRequest)
                .collect(Collectors.groupingBy(r -> r.getBodyAsString(), Collectors.counting()));
    }

    void assertExactlyOneResultPerLine(int lines) throws IOException {
        List<String> results = Files.readAllLines(tmp.resolve("outbox/crash.results.jsonl"));
        assertThat(results).hasSize(lines);
        for (int i = 0; i < lines; i++) {
            JsonNode r = PipelineFixture.JSON.readTree(results.get(i));
            assertThat(r.get("line").asInt()).isEqualTo(i + 1);
            assertThat(r.get("status").asText()).isEqualTo("ok");
            assertThat(r.get("content").asText()).isEqualTo("re: prompt number " + (i + 1));
        }
    }

    @Test
    void kill_9_mid_run_then_restart_gives_exactly_one_result_per_line() throws Exception {
        int lines = 400;
        stubEcho(25);
        Path file = Files.writeString(tmp.resolve("crash.jsonl"), PipelineFixture.prompts(lines));
        long seed = System.nanoTime();
        int crashAfter = 60 + new Random(seed).nextInt(260);
        System.out.println("crash point: after " + crashAfter + " journaled results (seed " + seed + ")");

        Process first = start(file);
        await().atMost(60, TimeUnit.SECONDS).until(() -> journalLines() >= crashAfter || !first.isAlive());
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, nothing
        first.waitFor(20, TimeUnit.SECONDS);
        long journaledAtCrash = journalLines();
        int callsBeforeRestart = server.getAllServeEvents().size();

        Process second = start(file);
        assertThat(second.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(0);

        assertExactlyOneResultPerLine(lines);
        Map<String, Long> calls = callsPerPrompt();
        assertThat(calls).hasSize(lines);
        long repeated = calls.values().stream().mapToLong(n -> n - 1).sum();
        System.out.printf("journaled at crash %d, calls before restart %d, repeated calls %d%n",
                journaledAtCrash, callsBeforeRestart, repeated);
        // only calls in flight at the kill can be repeated: at most llm.concurrency of them
        assertThat(repeated).isLessThanOrEqualTo(CONCURRENCY);
        assertThat(repeated).isEqualTo(callsBeforeRestart - journaledAtCrash);
    }

    @Test
    void sigterm_drains_in_flight_calls_and_the_next_start_resumes_without_repeats() throws Exception {
        int lines = 120;
        stubEcho(300);
        Path file = Files.writeString(tmp.resolve("crash.jsonl"), PipelineFixture.prompts(lines));

        Process first = start(file);
        await().atMost(60, TimeUnit.SECONDS).until(() -> server.getAllServeEvents().size() >= 3 * CONCURRENCY);
        first.destroy(); // SIGTERM
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        int callsBeforeRestart = server.getAllServeEvents().size();
        assertThat(callsBeforeRestart).isLessThan(lines); // it stopped taking lines
        assertThat(journalLines()).isEqualTo(callsBeforeRestart); // every call it made was answered and journaled

        Process second = start(file);
        assertThat(second.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(0);
        assertExactlyOneResultPerLine(lines);
        assertThat(server.getAllServeEvents()).hasSize(lines); // nothing was paid for twice
    }

}
