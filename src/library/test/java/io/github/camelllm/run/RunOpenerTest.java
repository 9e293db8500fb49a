package io.github.camelllm.run;

import io.github.camelllm.config.OnDuplicate;
import io.github.camelllm.config.OutputOrder;
import io.github.camelllm.model.PromptResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Opening runs on disk, without Camel: the duplicate policy for content that completed a run (skip: its outputs
 * written again from the journal; rerun), runs in progress here or held by another pipeline or process, resume.
 */
class RunOpenerTest {

    static final String THREE = "{\"prompt\":\"one\"}\n{\"prompt\":\"two\"}\n{\"prompt\":\"three\"}\n";

    @TempDir
    Path dir;
    final List<RunRegistry> registries = new ArrayList<>();

    @AfterEach
    void close() {
        registries.forEach(RunRegistry::close);
    }

    Path work() {
        return dir.resolve("work");
    }

    Path outbox() {
        return dir.resolve("outbox");
    }

    RunRegistry registry(String order, String onDuplicate) {
        RunRegistry registry = new RunRegistry(work(), outbox(), OutputOrder.valueOf(order.toUpperCase()),
                OnDuplicate.valueOf(onDuplicate.toUpperCase()));
        registries.add(registry);
        return registry;
    }

    Path input(String name, String content) throws IOException {
        Files.createDirectories(dir.resolve("inbox"));
        return Files.writeString(dir.resolve("inbox").resolve(name), content);
    }

    static PromptResult result(Run run, long line) {
        return PromptResult.invalid(run.id(), "id-" + line, line, "test", "line " + line);
    }

    /** What intake and the calls do: every line read and answered, then the outputs written. */
    static RunSummary complete(RunRegistry registry, Run run, int lines) throws IOException {
        for (int line = 1; line <= lines; line++) {
            run.lineSeen();
            registry.record(result(run, line));
        }
        assertThat(registry.intakeDone(run.id())).isTrue();
        return registry.finish(run.id());
    }

    @Test
    void a_run_opened_again_after_a_stop_says_it_resumes_and_its_first_opening_does_not() throws Exception {
        RunRegistry first = registry("ordered", "skip");
        Path file = input("a.jsonl", THREE);
        Run run = first.openFile(file, false);
        assertThat(run.resumed()).as("nothing of an earlier opening to settle").isFalse();
        first.close();

        Run again = registry("ordered", "skip").openFile(file, false);

        assertThat(again.id()).isEqualTo(run.id());
        assertThat(again.resumed()).isTrue();
    }

    @Test
    void content_that_completed_a_run_is_not_called_again_its_outputs_are_written_again() throws Exception {
        RunRegistry registry = registry("ordered", "skip");
        Path first = input("a.jsonl", THREE);
        Run run = registry.openFile(first, false);
        RunSummary summary = complete(registry, run, 3);
        String results = Files.readString(outbox().resolve("a.results.jsonl"));
        Path journal = work().resolve(run.id()).resolve(RunStore.JOURNAL);
        String journaled = Files.readString(journal);
        Files.delete(outbox().resolve("a.results.jsonl"));
        Files.delete(outbox().resolve("a.summary.json"));

        Run again = registry.openFile(first, false);

        assertThat(again.id()).isEqualTo(run.id());
        assertThat(again.completion()).isCompletedWithValue(registry.lastSummary(run.id()));
        assertThat(again.completion().get().total()).isEqualTo(summary.total());
        assertThat(again.completion().get().wallMs()).as("the wall time it recorded").isEqualTo(summary.wallMs());
        assertThat(outbox().resolve("a.results.jsonl")).hasContent(results);
        assertThat(outbox().resolve("a.summary.json")).exists();
        assertThat(journal).hasContent(journaled);
        assertThat(registry.activeRuns()).isZero();
        assertThat(registry.completionOf(run.id())).isSameAs(again.completion());
        // its claim was let go: another pipeline may take the same content
        RunClaim.take(work(), first, run.id()).release();
    }

    @Test
    void the_same_content_under_another_name_writes_its_outputs_under_that_name() throws Exception {
        RunRegistry registry = registry("ordered", "skip");
        Run run = registry.openFile(input("a.jsonl", THREE), false);
        complete(registry, run, 3);

        Run copy = registry.openFile(input("b.jsonl", THREE), false);

        assertThat(copy.id()).isEqualTo(run.id());
        assertThat(copy.completion()).isDone();
        assertThat(outbox().resolve("b.results.jsonl")).hasContent(
                Files.readString(outbox().resolve("a.results.jsonl")));
    }

    @Test
    void in_service_mode_a_duplicate_moves_to_done() throws Exception {
        RunRegistry registry = registry("ordered", "skip");
        Run run = registry.openFile(input("a.jsonl", THREE), true);
        complete(registry, run, 3);
        assertThat(dir.resolve("inbox/.done/a.jsonl")).exists();

        Path duplicate = input("a.jsonl", THREE);
        registry.openFile(duplicate, true);

        assertThat(duplicate).doesNotExist();
        assertThat(dir.resolve("inbox/.done")).isDirectoryContaining(p -> p.getFileName().toString()
                .startsWith("a.jsonl.")); // the second one, beside the first
    }

    @Test
    void with_rerun_completed_content_runs_again_and_the_completed_run_is_kept_beside_it() throws Exception {
        RunRegistry registry = registry("ordered", "rerun");
        Path file = input("a.jsonl", THREE);
        Run run = registry.openFile(file, false);
        complete(registry, run, 3);

        Run again = registry.openFile(file, false);

        assertThat(again.completion()).isNotDone();
        assertThat(again.isDone(1)).isFalse();
        Path workDir = work().resolve(run.id());
        Path previous = work().resolve(run.id() + ".previous");
        assertThat(previous.resolve(RunStore.SUMMARY)).exists();
        assertThat(Files.readAllLines(previous.resolve(RunStore.JOURNAL))).hasSize(3);
        assertThat(workDir.resolve(RunStore.SUMMARY)).doesNotExist();
        assertThat(workDir.resolve(RunStore.JOURNAL)).isEmptyFile();
        assertThat(workDir.resolve(RunStore.LOCK)).as("held by its owner throughout").exists();
        assertThat(registry.activeRuns()).isEqualTo(1);
    }

    @Test
    void a_scheduled_firing_runs_completed_content_again_under_a_dated_name() throws Exception {
        RunRegistry registry = registry("ordered", "skip");
        Path file = input("nightly.jsonl", THREE);
        complete(registry, registry.openFile(file, false), 3);

        Run firing = registry.openFile(file, false, true);

        assertThat(firing.completion()).isNotDone();
        assertThat(firing.name()).matches("nightly\\.\\d{8}-\\d{6}");
        complete(registry, firing, 3);
        assertThat(outbox().resolve(firing.name() + ".results.jsonl")).exists();
    }

    @Test
    void a_run_in_progress_here_is_not_opened_twice_by_path_or_by_content() throws Exception {
        RunRegistry registry = registry("ordered", "skip");
        Path file = input("a.jsonl", THREE);
        Run run = registry.openFile(file, false);

        assertThat(registry.openFile(file, false)).isNull();
        assertThat(registry.openFile(input("copy.jsonl", THREE), false)).isNull();
        assertThat(registry.activeRuns()).isEqualTo(1);
        assertThat(registry.find(run.id())).isSameAs(run);
    }

    @Test
    void a_run_held_by_another_pipeline_in_this_jvm_is_busy_until_it_lets_go() throws Exception {
        RunRegistry owner = registry("ordered", "skip");
        RunRegistry other = registry("ordered", "skip");
        Path file = input("a.jsonl", THREE);
        Run run = owner.openFile(file, false);
        owner.record(result(run, 2));

        assertThatThrownBy(() -> other.openFile(file, false)).isInstanceOf(RunBusyException.class)
                .hasMessageContaining("is being run by another process");
        assertThatThrownBy(() -> other.openFile(input("copy.jsonl", THREE), false))
                .isInstanceOf(RunBusyException.class).hasMessageContaining("is held by another process");

        owner.close();
        Run resumed = other.openFile(file, false);
        assertThat(resumed.isDone(2)).isTrue();
    }

    @Test
    void a_run_held_by_another_process_is_busy_until_that_process_is_gone() throws Exception {
        RunRegistry registry = registry("ordered", "skip");
        Path file = input("a.jsonl", THREE);
        String runId = registry.inputs().inspect(file, true).runId();
        LockHolder child = LockHolder.claim(work(), file, runId);
        try {
            assertThat(child.answer()).isEqualTo("held");
            assertThatThrownBy(() -> registry.openFile(file, false)).isInstanceOf(RunBusyException.class)
                    .hasMessageContaining(child.pid() + "@");
            assertThat(work().resolve(runId).resolve(RunStore.JOURNAL)).as("nothing written to a run not held")
                    .doesNotExist();
        } finally {
            child.kill();
        }

        Run run = registry.openFile(file, false);
        assertThat(run.id()).isEqualTo(runId);
    }

    @Test
    void a_resumed_run_knows_the_lines_its_journal_holds() throws Exception {
        RunRegistry first = registry("ordered", "skip");
        Path file = input("a.jsonl", THREE);
        Run run = first.openFile(file, false);
        first.record(result(run, 1));
        first.record(result(run, 3));
        first.close();

        Run resumed = registry("ordered", "skip").openFile(file, false);

        assertThat(resumed.isDone(1)).isTrue();
        assertThat(resumed.isDone(2)).isFalse();
        assertThat(resumed.isDone(3)).isTrue();
        assertThat(resumed.resultCount()).isEqualTo(2);
        assertThat(resumed.setup().startedAtMillis()).as("from its manifest").isEqualTo(run.setup().startedAtMillis());
    }

    @Test
    void a_streamed_results_file_left_behind_its_journal_by_a_crash_is_rebuilt_at_resume() throws Exception {
        RunRegistry first = registry("streamed", "skip");
        Path file = input("a.jsonl", THREE);
        Run run = first.openFile(file, false);
        first.record(result(run, 2));
        first.record(result(run, 1));
        first.close();
        Path results = outbox().resolve("a.results.jsonl");
        Files.writeString(results, ""); // the crash came between the journal and the streamed file

        RunRegistry second = registry("streamed", "skip");
        Run resumed = second.openFile(file, false);
        second.record(result(resumed, 3));

        assertThat(Files.readAllLines(results)).containsExactly(first.toJson(result(run, 2)),
                first.toJson(result(run, 1)), first.toJson(result(run, 3)));
    }

    static MessageInput message(String id, String body) {
        return new MessageInput(id, MessageInput.Kind.JSONL, body, id, false, Map.of("tenant", "t1"), 0);
    }

    @Test
    void an_accepted_message_is_persisted_and_its_folder_goes_once_its_results_are_delivered() throws Exception {
        RunRegistry registry = registry("ordered", "skip");
        Run run = registry.acceptMessage(message("m1", THREE));
        assertThat(work().resolve(run.id()).resolve(MessageInput.FILE)).exists();
        assertThat(work().resolve(run.id()).resolve(DeliveryCursor.FILE)).exists();

        RunSummary summary = complete(registry, run, 2);

        assertThat(summary.total()).isEqualTo(2);
        assertThat(run.completion().get(5, TimeUnit.SECONDS)).isSameAs(summary);
        assertThat(work().resolve(run.id())).as("kept until its results are delivered").exists();
        registry.release(run.id());
        assertThat(work().resolve(run.id())).doesNotExist();
        try (Stream<Path> outputs = Files.list(work())) {
            assertThat(outputs).isEmpty();
        }
    }

    @Test
    void a_message_accepted_before_a_stop_resumes_and_a_redelivery_is_not_run_twice() throws Exception {
        RunRegistry first = registry("ordered", "skip");
        Run run = first.acceptMessage(message("m2", THREE));
        first.record(result(run, 1));
        assertThat(first.acceptMessage(message("m2", THREE))).as("the same message while it runs").isNull();
        first.close();

        RunRegistry second = registry("ordered", "skip");
        assertThat(second.messageRunsToResume()).containsExactly(run.id());
        Run resumed = second.acceptMessage(message("m2", THREE)); // a broker's redelivery after the stop
        assertThat(resumed.id()).isEqualTo(run.id());
        assertThat(resumed.isDone(1)).isTrue();
        assertThat(resumed.message().headers()).containsEntry("tenant", "t1");
        assertThat(second.reopenMessage(run.id())).as("running already").isNull();
        assertThat(second.acceptMessage(message("m2", "{\"prompt\":\"other\"}")).id())
                .as("another body under the same id is another message").isNotEqualTo(run.id());
    }

    @Test
    void the_outputs_of_a_complete_run_are_written_once() throws Exception {
        RunRegistry registry = registry("ordered", "skip");
        Run run = registry.openFile(input("a.jsonl", THREE), false);
        RunSummary summary = complete(registry, run, 3);

        assertThat(registry.finish(run.id())).isNull();
        assertThat(run.completion()).isCompletedWithValue(summary);
        assertThat(Files.readAllLines(outbox().resolve("a.results.jsonl"))).hasSize(3);
        assertThat(work().resolve(run.id()).resolve(RunStore.SUMMARY)).exists();
    }
}
