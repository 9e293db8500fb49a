package io.github.camelllm.app;

import io.github.camelllm.PipelineFixture;
import io.github.camelllm.OpenAiStubs;

import io.github.camelllm.app.Launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.github.camelllm.OpenAiStubs.badRequest;
import static io.github.camelllm.OpenAiStubs.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Everything around a run that must not break "nothing lost, nothing paid twice". */
class RunIntegrityTest {

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs(options().dynamicPort().containerThreads(60)
            .asynchronousResponseEnabled(true));
    @TempDir
    Path tmp;
    final List<PipelineFixture> pipelines = new ArrayList<>();

    @BeforeEach
    void setUp() {
        stubEcho(0);
    }

    @AfterEach
    void tearDown() {
        pipelines.forEach(PipelineFixture::close);
    }

    void stubEcho(int delayMs) {
        api.answerChats(echo().withFixedDelay(delayMs));
    }

    PipelineFixture pipeline() {
        PipelineFixture p = new PipelineFixture(tmp, api.baseUrl()).startedBy(AppPipeline::start);
        pipelines.add(p);
        return p;
    }

    static String prompts(String prefix, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("{\"custom_id\":\"").append(prefix).append(i).append("\",\"prompt\":\"").append(prefix)
                    .append(" prompt ").append(i).append("\"}\n");
        }
        return sb.toString();
    }

    List<Path> journals() throws Exception {
        return pipelines.get(0).journals();
    }

    @Test
    void two_pipelines_on_one_inbox_and_work_dir_run_every_file_once_and_call_no_prompt_twice() throws Exception {
        stubEcho(5);
        PipelineFixture a = pipeline().with("llm.inbox.enabled", "true").with("llm.concurrency", "4");
        PipelineFixture b = pipeline().with("llm.inbox.enabled", "true").with("llm.concurrency", "4");
        Files.createDirectories(a.inbox);
        int files = 6;
        int lines = 60;
        for (int f = 1; f <= files; f++) {
            Path staged = a.write("f" + f + ".jsonl", prompts("f" + f + "-", lines));
            Files.move(staged, a.inbox.resolve("f" + f + ".jsonl"));
        }
        a.start();
        b.start();
        await().atMost(60, TimeUnit.SECONDS).until(() -> {
            try (Stream<Path> done = Files.list(a.inbox.resolve(".done"))) {
                return done.count() == files;
            } catch (java.nio.file.NoSuchFileException e) {
                return false;
            }
        });
        Map<String, Long> calls = api.callsPerPrompt();
        assertThat(calls).hasSize(files * lines);
        assertThat(calls.values()).allMatch(n -> n == 1);
        for (int f = 1; f <= files; f++) {
            assertThat(a.results("f" + f)).hasSize(lines);
        }
        assertThat(a.inbox.resolve(".failed")).doesNotExist();
        assertThat(a.app().runs().activeRuns() + b.app().runs().activeRuns()).isZero();
    }

    @Test
    void a_garbage_record_in_the_middle_of_a_journal_is_skipped_and_its_prompt_asked_again() throws Exception {
        PipelineFixture p = pipeline();
        p.start();
        Path file = p.write("torn.jsonl", prompts("t", 10));
        assertThat(p.run(file).succeeded()).isEqualTo(10);
        Path journal = journals().get(0);
        List<String> records = Files.readAllLines(journal);
        // what two writers interleaving (or a full disk) leave: record 5 torn, record 6 glued onto it
        List<String> damaged = new ArrayList<>(records.subList(0, 4));
        damaged.add(records.get(4).substring(0, 17) + records.get(5));
        damaged.add("\u0000\u0000garbage");
        damaged.addAll(records.subList(6, 10));
        Files.write(journal, damaged);
        Files.delete(journal.resolveSibling("summary.json"));

        RunSummary resumed = p.run(file);

        assertThat(resumed.total()).isEqualTo(10);
        assertThat(resumed.succeeded()).isEqualTo(10);
        List<JsonNode> results = p.results("torn");
        assertThat(results).extracting(r -> r.get("line").asInt()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        // the journal is in completion order: the two lost records are whichever lines they held
        List<String> lost = List.of(prompt(records.get(4)), prompt(records.get(5)));
        Map<String, Long> calls = api.callsPerPrompt();
        assertThat(calls.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(12);
        assertThat(calls.entrySet()).filteredOn(e -> e.getValue() == 2).hasSize(2)
                .allMatch(e -> lost.stream().anyMatch(l -> e.getKey().contains("\"" + l + "\"")));
    }

    @Test
    void a_line_nested_1001_deep_is_invalid_and_the_file_is_done() throws Exception {
        PipelineFixture p = pipeline().with("llm.inbox.enabled", "true");
        Files.createDirectories(p.inbox);
        String deep = "{\"custom_id\":\"deep\",\"prompt\":" + "[".repeat(1001) + "]".repeat(1001) + "}";
        String bigNumber = "{\"custom_id\":\"num\",\"prompt\":\"x\",\"max_tokens\":" + "9".repeat(5000) + "}";
        Path staged = p.write("hostile.jsonl", "{\"custom_id\":\"ok\",\"prompt\":\"fine\"}\n" + deep + "\n"
                + bigNumber + "\n" + "{\"custom_id\":\"esc\",\"prompt\":\"\\ud800\\u0000\\q\"}\n");
        Files.move(staged, p.inbox.resolve("hostile.jsonl"));
        p.start();
        await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(p.inbox.resolve(".done/hostile.jsonl")));
        List<JsonNode> results = p.results("hostile");
        assertThat(results).extracting(r -> r.get("status").asText()).containsExactly("ok", "invalid", "invalid",
                "invalid");
        assertThat(results.get(1).get("error").get("message").asText()).contains("nesting");
        assertThat(results.get(2).get("error").get("message").asText()).containsIgnoringCase("number");
    }

    @Test
    void a_journal_forced_to_disk_per_result_gives_the_same_run() throws Exception {
        PipelineFixture p = pipeline().with("llm.journal.fsync", "true");
        p.start();
        assertThat(p.run(p.write("synced.jsonl", prompts("s", 20))).succeeded()).isEqualTo(20);
        assertThat(p.results("synced")).hasSize(20);
        assertThat(Files.readAllLines(journals().get(0))).hasSize(20);
    }

    @Test
    void inputs_that_differ_only_by_extension_keep_both_result_sets() throws Exception {
        PipelineFixture p = pipeline();
        p.start();
        p.run(p.write("x.jsonl", prompts("json", 3)));
        p.run(p.write("x.txt", "text one\ntext two\n"));
        assertThat(p.results("x")).hasSize(3);
        assertThat(p.results("x.txt")).hasSize(2);
        assertThat(p.summary("x").get("input").asText()).isEqualTo("x.jsonl");
        assertThat(p.summary("x.txt").get("input").asText()).isEqualTo("x.txt");
    }

    @Test
    void new_content_under_an_old_name_moves_the_old_outputs_aside() throws Exception {
        PipelineFixture p = pipeline();
        p.start();
        Path file = p.write("daily.jsonl", prompts("monday", 3));
        String mondayRun = p.run(file).runId();
        Files.writeString(file, prompts("tuesday", 5));
        p.run(file);
        assertThat(p.results("daily")).hasSize(5);
        try (Stream<Path> files = Files.list(p.outbox)) {
            List<String> aside = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.startsWith("daily.") && n.endsWith("-" + mondayRun + ".results.jsonl")).toList();
            assertThat(aside).hasSize(1);
            assertThat(Files.readAllLines(p.outbox.resolve(aside.get(0)))).hasSize(3)
                    .allMatch(l -> l.contains("monday"));
        }
    }

    @Test
    void a_symlink_in_the_inbox_is_not_followed() throws Exception {
        PipelineFixture p = pipeline().with("llm.inbox.enabled", "true");
        Files.createDirectories(p.inbox);
        Path secret = Files.writeString(tmp.resolve("passwd"), "root:x:0:0:root:/root:/bin/bash\nsecret line\n");
        Files.createSymbolicLink(p.inbox.resolve("passwd.txt"), secret);
        Files.move(p.write("real.jsonl", prompts("real", 2)), p.inbox.resolve("real.jsonl"));
        p.start();
        await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(p.inbox.resolve(".done/real.jsonl")));
        // the link is listed on every poll; several more polls pass while it stays where it is
        long polls = api.calls();
        await().atMost(10, TimeUnit.SECONDS).pollDelay(1, TimeUnit.SECONDS).until(() -> true);
        assertThat(api.callsInOrder()).hasSize((int) polls).noneMatch(e ->
                e.getRequest().getBodyAsString().contains("root:x"));
        assertThat(p.inbox.resolve("passwd.txt")).isSymbolicLink();
        assertThat(p.outbox.resolve("passwd.txt.results.jsonl")).doesNotExist();
        assertThat(p.inbox.resolve(".failed")).doesNotExist();
        // named on the command line, a link is what its user meant
        Path link = Files.createSymbolicLink(tmp.resolve("named.jsonl"), p.write("target.jsonl", prompts("named", 2)));
        assertThat(p.run(link).succeeded()).isEqualTo(2);
        assertThat(p.results("named")).hasSize(2);
    }

    @Test
    void a_file_copied_in_two_halves_with_a_pause_is_run_once_whole() throws Exception {
        PipelineFixture p = pipeline().with("llm.inbox.enabled", "true").with("llm.inbox.read-lock-ms", "1000");
        Files.createDirectories(p.inbox);
        p.start();
        byte[] content = prompts("half", 40).getBytes(StandardCharsets.UTF_8);
        int half = content.length / 2 + 7; // a copy stops anywhere, usually inside a line
        Path target = p.inbox.resolve("slow.jsonl");
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW)) {
            out.write(content, 0, half);
            out.flush();
            // the copy stalls for longer than the stable time (but within the wait for a file that ends mid-line)
            Thread.sleep(2000);
            out.write(content, half, content.length - half);
        }
        await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(p.inbox.resolve(".done/slow.jsonl")));
        assertThat(p.results("slow")).hasSize(40).allMatch(r -> r.get("status").asText().equals("ok"));
        assertThat(api.callsPerPrompt()).hasSize(40).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(journals()).hasSize(1);
    }

    @Test
    void temporary_names_wait_for_their_rename_and_a_ready_marker_is_taken_at_once() throws Exception {
        PipelineFixture p = pipeline().with("llm.inbox.enabled", "true").with("llm.inbox.read-lock-ms", "600000");
        Files.createDirectories(p.inbox);
        p.start();
        Files.writeString(p.inbox.resolve("big.jsonl.part"), prompts("part", 3));
        Files.writeString(p.inbox.resolve("marked.jsonl"), prompts("marked", 3));
        Files.writeString(p.inbox.resolve("marked.jsonl.ready"), "");
        await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(p.inbox.resolve(".done/marked.jsonl")));
        assertThat(p.inbox.resolve("marked.jsonl.ready")).doesNotExist();
        assertThat(p.inbox.resolve("big.jsonl.part")).exists();
        assertThat(api.callsPerPrompt().keySet()).noneMatch(b -> b.contains("part prompt"));
    }

    @Test
    void a_file_appended_to_while_its_run_is_in_progress_is_not_run_a_second_time() throws Exception {
        stubEcho(40);
        PipelineFixture p = pipeline().with("llm.inbox.enabled", "true").with("llm.concurrency", "2");
        Files.createDirectories(p.inbox);
        Path file = p.inbox.resolve("grow.jsonl");
        Files.move(p.write("grow.jsonl", prompts("orig", 40)), file);
        p.start();
        await().atMost(30, TimeUnit.SECONDS).until(() -> api.calls() >= 4);
        Files.writeString(file, prompts("added", 20), StandardOpenOption.APPEND);
        await().atMost(60, TimeUnit.SECONDS).until(() -> Files.exists(p.inbox.resolve(".failed/grow.jsonl")));
        assertThat(Files.readString(p.inbox.resolve(".failed/grow.error.txt"))).contains("changed while its run");
        assertThat(p.results("grow")).hasSize(40);
        Map<String, Long> calls = api.callsPerPrompt();
        assertThat(calls).hasSize(40).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
        assertThat(calls.keySet()).noneMatch(b -> b.contains("added prompt"));
    }

    @Test
    void a_file_truncated_under_its_run_stops_the_run_with_the_reason() throws Exception {
        stubEcho(5);
        PipelineFixture p = pipeline().with("llm.concurrency", "8").with("llm.realtime.queue-size", "4");
        p.start();
        Path file = p.write("cut.jsonl", prompts("cut-this-line-to-make-it-longer-", 2000)); // > one 64 KB read
        CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(() -> {
            try {
                return p.app().submitFile(file).get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        await().atMost(30, TimeUnit.SECONDS).until(() -> api.calls() >= 4);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(Files.size(file) / 2);
        }
        assertThatThrownBy(() -> run.get(60, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("truncated");
        assertThat(api.calls()).isLessThan(2000);
    }

    @Test
    void run_file_again_after_a_run_with_errors_sends_only_the_failed_line_and_writes_all_its_outputs()
            throws Exception {
        api.answerChatsContaining("bad prompt", badRequest("no"));
        Path file = Files.writeString(tmp.resolve("mixed.jsonl"), prompts("good", 3)
                + "{\"custom_id\":\"b\",\"prompt\":\"bad prompt\"}\n");
        Map<String, String> settings = new HashMap<>(pipeline().overrides());
        assertThat(Launcher.oneShot(file, settings)).isEqualTo(Launcher.SOME_FAILED);
        int calls = api.calls();
        long badCalls = callsContaining("bad prompt");
        deleteTree(tmp.resolve("outbox"));

        assertThat(Launcher.oneShot(file, settings)).as("the line still fails").isEqualTo(Launcher.SOME_FAILED);

        assertThat(callsContaining("bad prompt")).as("the line in error is sent again").isEqualTo(2 * badCalls);
        assertThat((long) api.calls()).as("the answered lines are not").isEqualTo(calls + badCalls);
        assertThat(Files.readAllLines(tmp.resolve("outbox/mixed.results.jsonl"))).hasSize(4);
        assertThat(Files.readAllLines(tmp.resolve("outbox/mixed.failed.jsonl"))).hasSize(1);
        assertThat(tmp.resolve("outbox/mixed.summary.json")).exists();
    }

    @Test
    void the_default_work_folder_is_next_to_the_outbox() throws Exception {
        Map<String, String> settings = new HashMap<>(pipeline().overrides());
        settings.put("llm.work-dir", "");
        settings.put("llm.outbox", tmp.resolve("out/outbox").toString());
        Path file = Files.writeString(tmp.resolve("w.jsonl"), prompts("w", 2));
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            assertThat(Launcher.oneShot(file, settings)).isZero();
            assertThat(captured.toString()).as("a correct first run warns of nothing").doesNotContain("WARN")
                    .doesNotContain("NOTE");
            captured.reset();
            assertThat(Launcher.oneShot(file, settings)).isZero();
            assertThat(captured.toString()).doesNotContain("WARN");
        } finally {
            System.setErr(err);
        }
        assertThat(tmp.resolve("out/work")).isDirectory();
        assertThat(api.calls()).isEqualTo(2);
    }

    long callsContaining(String text) {
        return api.callsPerPrompt().entrySet().stream().filter(e -> e.getKey().contains(text))
                .mapToLong(Map.Entry::getValue).sum();
    }

    static String prompt(String journalRecord) throws Exception {
        return "t prompt " + PipelineFixture.JSON.readTree(journalRecord).get("line").asInt();
    }

    static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Test
    void a_foreign_record_in_the_journal_never_answers_a_line_of_the_input() throws Exception {
        Map<String, String> settings = new HashMap<>(pipeline().overrides());
        Path file = Files.writeString(tmp.resolve("own.jsonl"), prompts("own", 3));
        assertThat(Launcher.oneShot(file, settings)).isZero();
        int calls = api.calls();
        // another writer (or a hand edit) puts its own answers in: one for line 2 under another custom_id, one for a
        // line the input does not have; the run is taken as unfinished again
        Path journal = journals().get(0);
        List<String> records = new ArrayList<>(Files.readAllLines(journal));
        records.replaceAll(r -> r.contains("\"line\":2,") ? r.replace("\"own2\"", "\"theirs\"")
                .replace("re: own prompt 2", "FOREIGN") : r);
        // the journal holds the answers in the order they came: take line 1's record, wherever it is
        String lineOne = records.stream().filter(r -> r.contains("\"line\":1,")).findFirst().orElseThrow();
        records.add(lineOne.replace("\"line\":1,", "\"line\":99,").replace("\"own1\"", "\"x99\""));
        Files.write(journal, records);
        Files.delete(journal.resolveSibling("summary.json"));
        deleteTree(tmp.resolve("outbox"));

        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream err = System.err;
        System.setErr(new PrintStream(captured, true));
        try {
            assertThat(Launcher.oneShot(file, settings)).isZero();
        } finally {
            System.setErr(err);
        }
        assertThat(api.calls()).as("only line 2 is asked again").isEqualTo(calls + 1);
        List<String> results = Files.readAllLines(tmp.resolve("outbox/own.results.jsonl"));
        assertThat(results).hasSize(3).noneMatch(l -> l.contains("FOREIGN") || l.contains("theirs"));
        assertThat(results.get(1)).contains("\"custom_id\":\"own2\"").contains("re: own prompt 2");
        assertThat(captured.toString()).contains("the journal's result for line 2 does not carry the custom_id "
                + "\"own2\" of that line in own.jsonl: not this input's answer")
                .contains("the journal's result for line 99 names a line that own.jsonl does not have");
    }

    @Test
    void a_service_whose_outbox_cannot_be_written_says_so_once_and_tries_again_at_growing_intervals()
            throws Exception {
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
                new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        root.addAppender(logs);
        Path notAFolder = Files.writeString(tmp.resolve("outbox-is-a-file"), "");
        PipelineFixture p = pipeline().with("llm.inbox.enabled", "true").with("llm.outbox", notAFolder.toString())
                .with("llm.run.retry-broken-ms", "4000");
        try {
            Files.createDirectories(p.inbox);
            Files.move(p.write("svc.jsonl", prompts("svc", 3)), p.inbox.resolve("svc.jsonl"));
            p.start();
            await().atMost(30, TimeUnit.SECONDS).until(() -> resumes(logs) >= 2);
        } finally {
            root.detachAppender(logs);
        }
        assertThat(logs.list.stream().filter(e -> e.getFormattedMessage().contains("outputs cannot be written")))
                .as("said once").hasSize(1);
        assertThat(logs.list).as("no error, no stack trace at each attempt")
                .noneMatch(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR || e.getThrowableProxy() != null);
        assertThat(api.calls()).as("the answers are in the journal: not asked again").isEqualTo(3);
        assertThat(p.inbox.resolve("svc.jsonl")).exists();
    }

    private static long resumes(ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs) {
        return logs.list.stream().filter(e -> e.getFormattedMessage().contains("resumes svc.jsonl")).count();
    }
}
