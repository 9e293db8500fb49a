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
import java.time.Duration;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Stopping runs that cannot go on: no further calls, the answers already on their way still journaled, the run's
 * locks let go once they are in, a run with a broken journal not opened again before its retry time.
 */
class StoppedRunsTest {

    static final String TWO = "{\"prompt\":\"one\"}\n{\"prompt\":\"two\"}\n";

    @TempDir
    Path dir;
    RunRegistry registry;

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    RunRegistry registry(long retryBrokenMs) {
        registry = new RunRegistry(dir.resolve("work"), dir.resolve("outbox"), OutputOrder.ORDERED, OnDuplicate.SKIP,
                new RunRegistry.Options(false, false, Duration.ofMillis(retryBrokenMs), Duration.ofMinutes(1), 3),
                false);
        return registry;
    }

    Path input(String content) throws IOException {
        Files.createDirectories(dir.resolve("inbox"));
        return Files.writeString(dir.resolve("inbox/a.jsonl"), content);
    }

    static PromptResult result(Run run, long line) {
        return RunOpenerTest.result(run, line);
    }

    /** Whether this process still holds the run's lock (another claimant in this JVM is refused while it does). */
    boolean locked(Run run) throws IOException {
        OwnerLock probe = OwnerLock.tryAcquire(run.workDir().resolve(RunStore.LOCK));
        if (probe == null) {
            return true;
        }
        probe.close();
        return false;
    }

    @Test
    void a_stopped_run_takes_no_calls_journals_the_answers_in_flight_and_then_lets_go() throws Exception {
        registry(60_000);
        Run run = registry.openFile(input(TWO), false);
        run.lineSeen();
        run.dispatched();
        run.lineSeen();
        run.dispatched();

        registry.stop(run.id(), new IOException("a.jsonl was rewritten"));

        assertThat(registry.accepting(run.id())).isFalse();
        assertThat(registry.find(run.id())).isNull();
        assertThatThrownBy(() -> run.completion().join()).isInstanceOf(CompletionException.class)
                .hasMessageContaining("a.jsonl was rewritten; no further calls are made for this run (2 of its "
                        + "calls were queued or in flight)");
        assertThat(locked(run)).as("two answers are still on their way").isTrue();
        assertThat(registry.openFile(input(TWO), false)).as("not opened again while it drains").isNull();

        assertThat(registry.record(result(run, 1))).isFalse();
        assertThat(locked(run)).isTrue();
        registry.record(result(run, 2));

        assertThat(locked(run)).as("the last answer is in").isFalse();
        assertThat(Files.readAllLines(run.workDir().resolve(RunStore.JOURNAL))).hasSize(2);
        assertThat(registry.finish(run.id())).as("a stopped run writes no outputs").isNull();
    }

    @Test
    void a_run_stopped_with_nothing_in_flight_lets_go_at_once_and_resumes_later() throws Exception {
        registry(60_000);
        Path file = input(TWO);
        Run run = registry.openFile(file, false);
        registry.record(result(run, 1));

        registry.stop(run.id(), new IOException("stopped"));
        registry.stop(run.id(), new IOException("stopped twice"));

        assertThat(locked(run)).isFalse();
        Run resumed = registry.openFile(file, false);
        assertThat(resumed.isDone(1)).isTrue();
        assertThat(registry.accepting(run.id())).as("open again").isTrue();
    }

    @Test
    void a_result_that_cannot_be_journaled_stops_its_run_and_the_service_waits_before_trying_it_again()
            throws Exception {
        registry(60_000);
        Path file = input(TWO);
        Run run = registry.openFile(file, true);
        run.closeFiles(); // the journal cannot be written any more, as on an I/O error

        assertThatThrownBy(() -> registry.record(result(run, 1))).isInstanceOf(RunStorageException.class)
                .hasMessageContaining("run " + run.id() + " cannot write " + run.journalFile());

        assertThat(registry.accepting(run.id())).isFalse();
        assertThatThrownBy(() -> run.completion().join()).hasCauseInstanceOf(RunStorageException.class);
        assertThat(registry.openFile(file, true)).as("in service mode: after llm.run.retry-broken-ms").isNull();
        assertThat(file).as("left in the inbox for later").exists();
    }

    @Test
    void a_file_run_started_by_hand_is_tried_again_at_once() throws Exception {
        registry(60_000);
        Path file = input(TWO);
        Run run = registry.openFile(file, false);
        run.closeFiles();
        assertThatThrownBy(() -> registry.record(result(run, 1))).isInstanceOf(RunStorageException.class);

        assertThat(registry.openFile(file, false)).isNotNull();
    }

    @Test
    void in_service_mode_an_input_that_changed_under_its_run_moves_to_failed_with_the_reason() throws Exception {
        registry(60_000);
        Path file = input(TWO);
        Run run = registry.openFile(file, true);

        registry.stop(run.id(), new InputChangedException("a.jsonl was truncated while run " + run.id()
                + " was reading it"));

        assertThat(file).doesNotExist();
        assertThat(dir.resolve("inbox/.failed/a.jsonl")).exists();
        assertThat(Files.readString(dir.resolve("inbox/.failed/a.error.txt"))).contains("was truncated")
                .contains("its results so far stay in " + run.workDir());
    }

    @Test
    void a_full_disk_is_named_as_such() {
        RunStorageException fault = RunStorageException.of("r1", Path.of("/w/r1/journal.jsonl"),
                new IOException("No space left on device"));

        assertThat(fault).hasMessage("run r1 cannot write /w/r1/journal.jsonl: the disk is full (No space left on "
                + "device)");
        assertThat(RunStorageException.of("r1", Path.of("x"), fault)).isSameAs(fault);
    }
}
