package io.github.camelllm.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The OS locks that make a process the only writer of a run: a second claimant in this JVM (another pipeline)
 * and in another process is refused and told who holds it; a dead holder's lock is gone with it.
 */
class OwnershipTest {

    @TempDir
    Path dir;

    static String pidOf(long pid) {
        return pid + "@";
    }

    @Test
    void a_second_claimant_in_the_same_jvm_is_refused_until_the_holder_lets_go() throws IOException {
        Path file = dir.resolve("run.lock");
        OwnerLock first = OwnerLock.tryAcquire(file);
        assertThat(first).isNotNull();

        assertThat(OwnerLock.tryAcquire(file)).isNull();
        assertThat(OwnerLock.holderOf(file)).startsWith(OwnerLock.HOLDER + " since ");

        first.close();
        OwnerLock again = OwnerLock.tryAcquire(file);
        assertThat(again).isNotNull();
        again.close();
    }

    @Test
    void a_second_claimant_in_another_process_is_refused_and_told_who_holds_it() throws Exception {
        Path file = dir.resolve("run.lock");
        try (OwnerLock held = OwnerLock.tryAcquire(file); LockHolder child = LockHolder.lock(file)) {
            assertThat(held).isNotNull();
            assertThat(child.answer()).isEqualTo("busy " + OwnerLock.holderOf(file))
                    .contains(pidOf(ProcessHandle.current().pid()));
        }
    }

    @Test
    void a_lock_held_by_another_process_is_refused_here_and_vanishes_when_that_process_dies() throws Exception {
        Path file = dir.resolve("run.lock");
        LockHolder child = LockHolder.lock(file);
        try {
            assertThat(child.answer()).isEqualTo("held");
            assertThat(OwnerLock.tryAcquire(file)).isNull();
            assertThat(OwnerLock.holderOf(file)).startsWith(pidOf(child.pid()));

            child.kill();

            OwnerLock mine = OwnerLock.tryAcquire(file);
            assertThat(mine).as("a crashed owner leaves no stale lock").isNotNull();
            mine.close();
        } finally {
            child.kill();
        }
    }

    @Test
    void an_unreadable_lock_file_names_no_holder_but_does_not_fail() throws IOException {
        assertThat(OwnerLock.holderOf(dir.resolve("missing.lock"))).isEqualTo("another process");
        Files.writeString(dir.resolve("empty.lock"), "  \n");
        assertThat(OwnerLock.holderOf(dir.resolve("empty.lock"))).isEqualTo("another process");
    }

    @Test
    void a_run_is_claimed_once_whether_by_its_input_path_or_by_its_content() throws Exception {
        Path work = dir.resolve("work");
        Path input = Files.writeString(dir.resolve("a.jsonl"), "{}\n");
        Path sameContent = Files.writeString(dir.resolve("b.jsonl"), "{}\n");
        RunClaim claim = RunClaim.take(work, input, "run1");

        assertThatThrownBy(() -> RunClaim.take(work, input, "run1")).isInstanceOf(RunBusyException.class)
                .hasMessageContaining(input + " is being run by another process: " + OwnerLock.HOLDER);
        assertThatThrownBy(() -> RunClaim.take(work, sameContent, "run1")).isInstanceOf(RunBusyException.class)
                .hasMessageContaining("run run1 of " + sameContent + " is held by another process")
                .hasMessageContaining(work.resolve("run1").resolve(RunStore.LOCK).toString());
        assertThat(work.resolve("run1").resolve(RunStore.LOCK)).exists();

        claim.release();
        // the refused claim let go of the input lock it had taken: the path can be claimed now
        RunClaim second = RunClaim.take(work, sameContent, "run1");
        second.release();
    }

    @Test
    void a_run_claimed_by_another_process_is_busy_here_and_free_once_that_process_ends() throws Exception {
        Path work = dir.resolve("work");
        Path input = Files.writeString(dir.resolve("a.jsonl"), "{}\n");
        LockHolder child = LockHolder.claim(work, input, "run1");
        try {
            assertThat(child.answer()).isEqualTo("held");
            assertThatThrownBy(() -> RunClaim.take(work, input, "run1")).isInstanceOf(RunBusyException.class)
                    .hasMessageContaining("is being run by another process: " + pidOf(child.pid()));
        } finally {
            child.close();
        }
        RunClaim mine = RunClaim.take(work, input, "run1");
        mine.release();
    }

    @Test
    void a_claim_held_here_is_refused_to_another_process() throws Exception {
        Path work = dir.resolve("work");
        Path input = Files.writeString(dir.resolve("a.jsonl"), "{}\n");
        RunClaim mine = RunClaim.take(work, input, "run1");
        try (LockHolder child = LockHolder.claim(work, input, "run1")) {
            assertThat(child.answer()).startsWith("busy " + input + " is being run by another process: "
                    + OwnerLock.HOLDER);
        } finally {
            mine.release();
        }
    }
}
