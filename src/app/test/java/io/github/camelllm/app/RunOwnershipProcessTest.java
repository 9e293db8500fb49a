package io.github.camelllm.app;

import io.github.camelllm.PipelineFixture;
import io.github.camelllm.OpenAiStubs;

import io.github.camelllm.app.Launcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.github.camelllm.OpenAiStubs.echo;
import static io.github.camelllm.OpenAiStubs.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code run FILE} processes that overlap, and a work folder on a disk that fills up. */
class RunOwnershipProcessTest {

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @RegisterExtension
    final PipelineFixture pipeline = new PipelineFixture(api).startedBy(AppPipeline::start);

    Process runFile(Path file, String... settings) throws IOException {
        List<String> all = new ArrayList<>(List.of("llm.work-dir=" + pipeline.work));
        all.addAll(List.of(settings));
        return runFileIn(pipeline.root, file, all.toArray(String[]::new));
    }

    /** Without llm.work-dir: the work folder is found next to the outbox. */
    Process runFileIn(Path directory, Path file, String... settings) throws IOException {
        List<String> all = new ArrayList<>(List.of("llm.concurrency=4"));
        all.addAll(List.of(settings));
        return pipeline.runFileProcess(directory, file, all.toArray(String[]::new));
    }

    String logOf(int index) throws IOException {
        try (Stream<Path> logs = Files.list(pipeline.root)) {
            List<Path> sorted = logs.filter(f -> f.getFileName().toString().startsWith("child-")).sorted().toList();
            return Files.readString(sorted.get(index));
        }
    }

    long journalLines() throws IOException {
        return pipeline.journalLines();
    }

    @Test
    void an_overlapping_run_file_never_writes_to_the_run_it_does_not_hold() throws Exception {
        api.answerChats(echo().withFixedDelay(5));
        int lines = 150;
        // the last prompt keeps the first process busy long enough for the others to overlap it
        api.answerChatsContaining("prompt number 150\"", ok("slow").withFixedDelay(8000));
        Path file = Files.writeString(pipeline.root.resolve("cron.jsonl"), PipelineFixture.prompts(lines));
        Process first = runFile(file);
        await().atMost(60, TimeUnit.SECONDS).until(() -> journalLines() > 0);

        Process impatient = runFile(file, "llm.run.lock-wait-ms=0");
        assertThat(impatient.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(impatient.exitValue()).as(logOf(1)).isEqualTo(Launcher.BUSY);
        assertThat(logOf(1)).contains("is being run by another process").contains("pid@host");

        Process patient = runFile(file, "llm.run.lock-wait-ms=120000");
        assertThat(first.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(first.exitValue()).isZero();
        assertThat(patient.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(patient.exitValue()).isZero(); // waited for the owner, then wrote its outputs from the journal

        Map<String, Long> calls = api.callsPerPrompt();
        assertThat(calls).hasSize(lines);
        assertThat(calls.values()).allMatch(n -> n == 1);
        assertThat(Files.readAllLines(pipeline.root.resolve("outbox/cron.results.jsonl"))).hasSize(lines);
        assertThat(journalLines()).isEqualTo(lines);
    }

    @Test
    void run_file_from_another_directory_finds_the_same_journal() throws Exception {
        api.answerChats(echo().withFixedDelay(0));
        Path file = Files.writeString(pipeline.root.resolve("here.jsonl"), PipelineFixture.prompts(5));
        Process fromA = runFileIn(Files.createDirectories(pipeline.root.resolve("a")), file);
        assertThat(fromA.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(fromA.exitValue()).isZero();
        assertThat(logOf(0)).doesNotContain("NOTE").doesNotContain("WARN");
        Files.delete(pipeline.root.resolve("outbox/here.results.jsonl"));

        Process fromB = runFileIn(Files.createDirectories(pipeline.root.resolve("b")), file);
        assertThat(fromB.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(fromB.exitValue()).isZero();
        assertThat(logOf(1)).doesNotContain("WARN");
        assertThat(api.calls()).isEqualTo(5); // nothing paid again
        assertThat(Files.readAllLines(pipeline.root.resolve("outbox/here.results.jsonl"))).hasSize(5);
        assertThat(pipeline.root.resolve("a/work")).doesNotExist();
        assertThat(pipeline.root.resolve("b/work")).doesNotExist();
    }

    @Test
    void a_work_folder_that_fills_up_stops_the_calls_and_the_run_resumes_once_there_is_space() throws Exception {
        Path work = Files.createDirectories(pipeline.root.resolve("small-disk"));
        assumeTrue(mount("size=512k", work), "mounting a tmpfs needs root");
        try {
            api.answerChats(echo().withFixedDelay(2));
            int lines = 600;
            int concurrency = 8;
            int queue = 16;
            StringBuilder sb = new StringBuilder();
            String pad = "x".repeat(1000);
            for (int i = 1; i <= lines; i++) {
                sb.append("{\"custom_id\":\"c").append(i).append("\",\"prompt\":\"prompt ").append(i).append(' ')
                        .append(pad).append("\"}\n");
            }
            Path file = Files.writeString(pipeline.root.resolve("full.jsonl"), sb.toString());
            Map<String, String> settings = new HashMap<>(pipeline.overrides());
            settings.put("llm.work-dir", work.toString());
            settings.put("llm.concurrency", Integer.toString(concurrency));
            settings.put("llm.realtime.queue-size", Integer.toString(queue));

            PrintStream err = System.err;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setErr(new PrintStream(captured, true));
            int code;
            try {
                code = Launcher.oneShot(file, settings);
            } finally {
                System.setErr(err);
            }
            assertThat(code).as(captured.toString()).isEqualTo(Launcher.STOPPED);
            assertThat(captured.toString()).contains(work.toString()).contains("No space left on device")
                    .contains("no further calls are made");
            long journaled = PipelineFixture.journalLines(work);
            int calledFirst = api.calls();
            assertThat(calledFirst).isLessThan(lines);
            // what was paid but could not be journaled is bounded by what was queued or in flight
            assertThat(calledFirst - journaled).isLessThanOrEqualTo(concurrency + queue + 1);

            assertThat(mount("remount,size=16m", work)).isTrue();
            assertThat(Launcher.oneShot(file, settings)).isZero();

            List<String> results = Files.readAllLines(pipeline.root.resolve("outbox/full.results.jsonl"));
            assertThat(results).hasSize(lines);
            Map<String, Long> calls = api.callsPerPrompt();
            assertThat(calls).hasSize(lines);
            long repeated = calls.values().stream().filter(n -> n > 1).count();
            assertThat(repeated).isEqualTo(calledFirst - journaled);
        } finally {
            new ProcessBuilder("umount", work.toString()).inheritIO().start().waitFor();
        }
    }

    @Test
    void the_service_leaves_a_run_stopped_by_a_full_disk_in_the_inbox_and_finishes_it_once_there_is_space()
            throws Exception {
        Path work = Files.createDirectories(pipeline.root.resolve("small-disk"));
        assumeTrue(mount("size=400k", work), "mounting a tmpfs needs root");
        try (PipelineFixture service = pipeline) {
            api.answerChats(echo().withFixedDelay(2));
            int lines = 400;
            String pad = "y".repeat(1000);
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i <= lines; i++) {
                sb.append("{\"custom_id\":\"s").append(i).append("\",\"prompt\":\"prompt ").append(i).append(' ')
                        .append(pad).append("\"}\n");
            }
            Files.createDirectories(service.inbox);
            Files.move(service.write("svc.jsonl", sb.toString()), service.inbox.resolve("svc.jsonl"));
            service.with("llm.inbox.enabled", "true").with("llm.work-dir", work.toString())
                    .with("llm.concurrency", "4").with("llm.realtime.queue-size", "8")
                    .with("llm.run.retry-broken-ms", "500").start();
            // the disk fills up: the calls stop and the file stays in the inbox (not .failed, not .done)
            await().atMost(60, TimeUnit.SECONDS).until(() -> PipelineFixture.journalLines(work) > 0
                    && api.calls() > 0 && service.app().runs().activeRuns() == 0);
            int calledBefore = api.calls();
            assertThat(calledBefore).isLessThan(lines);
            assertThat(service.inbox.resolve("svc.jsonl")).exists();
            assertThat(service.inbox.resolve(".failed")).doesNotExist();

            assertThat(mount("remount,size=16m", work)).isTrue();
            await().atMost(60, TimeUnit.SECONDS).until(() -> Files.exists(service.inbox.resolve(".done/svc.jsonl")));
            assertThat(service.results("svc")).hasSize(lines);
            Map<String, Long> calls = api.callsPerPrompt();
            assertThat(calls).hasSize(lines);
            assertThat(calls.values().stream().filter(n -> n > 1).count()).isLessThanOrEqualTo(4 + 8 + 1);
        } finally {
            new ProcessBuilder("umount", work.toString()).inheritIO().start().waitFor();
        }
    }

    static boolean mount(String options, Path dir) throws Exception {
        try {
            Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options, "tmpfs", dir.toString())
                    .redirectErrorStream(true).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException noMountCommand) {
            return false;
        }
    }
}
