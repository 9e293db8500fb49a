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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Results for a run that is not open in this process (a broker kept them while the owner was down, and they
 * arrive as it starts again): journaled in the run's folder so its next opening finds the lines answered, never
 * written to a run that completed, that another holder has, or that is no run of this work folder.
 */
class ClosedRunResultsTest {

    static final String TWO = "{\"custom_id\":\"id-1\",\"prompt\":\"one\"}\n{\"custom_id\":\"id-2\",\"prompt\":\"two\"}\n";

    @TempDir
    Path dir;
    RunRegistry registry;
    RunRegistry other;

    @AfterEach
    void close() {
        for (RunRegistry r : new RunRegistry[] {registry, other}) {
            if (r != null) {
                r.close();
            }
        }
    }

    RunRegistry registry(Duration openingWait) {
        return new RunRegistry(dir.resolve("work"), dir.resolve("outbox"), OutputOrder.ORDERED, OnDuplicate.SKIP,
                new RunRegistry.Options(false, false, Duration.ofMinutes(1), openingWait, 3), false);
    }

    Path input() throws IOException {
        Files.createDirectories(dir.resolve("inbox"));
        return Files.writeString(dir.resolve("inbox/a.jsonl"), TWO);
    }

    static PromptResult result(String runId, long line) {
        return PromptResult.invalid(runId, "id-" + line, line, "test", "line " + line);
    }

    @Test
    void a_result_for_a_run_closed_here_answers_its_line_at_the_next_opening() throws Exception {
        registry = registry(Duration.ofMinutes(1));
        Path file = input();
        String runId = registry.openFile(file, false).id();
        registry.close(); // stopped: the run's files and locks are let go, its folder stays

        registry = registry(Duration.ofMinutes(1));
        assertThat(registry.record(result(runId, 2))).isFalse();
        Run again = registry.openFile(file, false);

        assertThat(again.answered(2, "id-2")).as("journaled while the run was closed").isTrue();
        assertThat(again.answered(1, "id-1")).isFalse();
    }

    @Test
    void a_result_for_a_completed_run_is_kept_out_of_its_journal() throws Exception {
        registry = registry(Duration.ofMinutes(1));
        Run run = registry.openFile(input(), false);
        RunOpenerTest.complete(registry, run, 2);
        Path journal = run.workDir().resolve(RunStore.JOURNAL);
        long size = Files.size(journal);

        registry.record(result(run.id(), 2));

        assertThat(Files.size(journal)).isEqualTo(size);
    }

    @Test
    void a_result_that_names_no_run_of_this_work_folder_writes_nothing() throws Exception {
        registry = registry(Duration.ofMinutes(1));

        registry.record(result("0123456789abcdef", 1));
        registry.record(result("../escaped", 1));

        assertThat(dir.resolve("work/0123456789abcdef")).doesNotExist();
        assertThat(dir.resolve("escaped")).doesNotExist();
    }

    @Test
    void a_result_for_a_run_another_holder_has_open_is_not_written_behind_its_back() throws Exception {
        other = registry(Duration.ofMinutes(1));
        Run open = other.openFile(input(), false); // another pipeline of this JVM on the same folder holds it
        Path journal = open.workDir().resolve(RunStore.JOURNAL);
        long size = Files.size(journal);
        registry = registry(Duration.ofMillis(200));

        registry.record(result(open.id(), 2));

        assertThat(Files.size(journal)).isEqualTo(size);
    }

    @Test
    void a_momentary_hold_makes_another_claimant_of_this_jvm_wait_instead_of_failing() throws Exception {
        Path lock = dir.resolve("run.lock");
        CompletableFuture<Boolean> claimed = new CompletableFuture<>();
        Thread[] claimant = new Thread[1];

        boolean done = OwnerLock.whileFree(lock, () -> {
            claimant[0] = new Thread(() -> {
                try (OwnerLock l = OwnerLock.tryAcquire(lock)) {
                    claimed.complete(l != null);
                } catch (IOException e) {
                    claimed.completeExceptionally(e);
                }
            });
            claimant[0].start();
            await().atMost(10, TimeUnit.SECONDS).until(() -> claimant[0].getState() == Thread.State.WAITING);
            assertThat(claimed).isNotDone();
        });

        assertThat(done).isTrue();
        assertThat(claimed.get(10, TimeUnit.SECONDS)).as("the claimant got the lock once the moment passed").isTrue();
    }
}
