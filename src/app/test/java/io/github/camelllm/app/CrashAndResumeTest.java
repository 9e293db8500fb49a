package io.github.camelllm.app;

import io.github.camelllm.PipelineFixture;
import io.github.camelllm.OpenAiStubs;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static io.github.camelllm.OpenAiStubs.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Kills the pipeline (a separate JVM running {@code run FILE}) mid-run with SIGKILL or stops it with SIGTERM,
 * starts it again, and checks that every line ends with exactly one result and that no answered prompt is
 * paid for twice.
 */
class CrashAndResumeTest {

    static final int CONCURRENCY = 8;

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @RegisterExtension
    final PipelineFixture pipeline = new PipelineFixture(api).startedBy(AppPipeline::start);

    Process start(Path file) throws IOException {
        return pipeline.runFileProcess(pipeline.root, file, "llm.work-dir=" + pipeline.work,
                "llm.concurrency=" + CONCURRENCY, "llm.shutdown.timeout-ms=20000");
    }

    long journalLines() throws IOException {
        return pipeline.journalLines();
    }

    void assertExactlyOneResultPerLine(int lines) throws IOException {
        List<String> results = Files.readAllLines(pipeline.root.resolve("outbox/crash.results.jsonl"));
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
        api.answerChats(echo().withFixedDelay(25));
        Path file = Files.writeString(pipeline.root.resolve("crash.jsonl"), PipelineFixture.prompts(lines));
        long seed = System.nanoTime();
        int crashAfter = 60 + new Random(seed).nextInt(260);
        System.out.println("crash point: after " + crashAfter + " journaled results (seed " + seed + ")");

        Process first = start(file);
        await().atMost(60, TimeUnit.SECONDS).until(() -> journalLines() >= crashAfter || !first.isAlive());
        first.destroyForcibly(); // SIGKILL: no shutdown hook, no flush, nothing
        first.waitFor(20, TimeUnit.SECONDS);
        long journaledAtCrash = journalLines();
        int callsBeforeRestart = api.calls();

        Process second = start(file);
        assertThat(second.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(0);

        assertExactlyOneResultPerLine(lines);
        Map<String, Long> calls = api.callsPerPrompt();
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
        api.answerChats(echo().withFixedDelay(300));
        Path file = Files.writeString(pipeline.root.resolve("crash.jsonl"), PipelineFixture.prompts(lines));

        Process first = start(file);
        await().atMost(60, TimeUnit.SECONDS).until(() -> api.calls() >= 3 * CONCURRENCY);
        first.destroy(); // SIGTERM
        assertThat(first.waitFor(30, TimeUnit.SECONDS)).isTrue();
        int callsBeforeRestart = api.calls();
        assertThat(callsBeforeRestart).isLessThan(lines); // it stopped taking lines
        assertThat(journalLines()).isEqualTo(callsBeforeRestart); // every call it made was answered and journaled

        Process second = start(file);
        assertThat(second.waitFor(90, TimeUnit.SECONDS)).isTrue();
        assertThat(second.exitValue()).isEqualTo(0);
        assertExactlyOneResultPerLine(lines);
        assertThat(api.calls()).isEqualTo(lines); // nothing was paid for twice
    }

}
