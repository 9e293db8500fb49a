package io.github.camelllm.run;

import io.github.camelllm.model.PromptResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.camelllm.json.ResultJson;
import io.github.camelllm.model.PromptResult;

import static org.assertj.core.api.Assertions.assertThat;

/** A run's completion state, rebuilt from its journal at open and changed only through its own methods. */
class RunTest {

    @TempDir
    Path dir;
    Run run;

    @AfterEach
    void close() {
        if (run != null) {
            run.close();
        }
    }

    Run open(AutoCloseable ownership) throws IOException {
        Run.Setup setup = new Run.Setup("run", "run", Run.Format.JSONL, null, dir, null, 0, true, false, false, null);
        run = new Run(setup, new Journal(dir.resolve(RunStore.JOURNAL)), null, ownership);
        run.replayJournal();
        return run;
    }

    static String result(long line) {
        return JournalTest.result(line);
    }

    /** Records the result {@link #result} writes for a line, as the results route does. */
    private boolean record(long line) throws IOException {
        return run.record(PromptResult.invalid("run", "id-" + line, line, "test", "line " + line), result(line));
    }

    @Test
    void a_result_that_comes_in_before_intake_reads_its_line_answers_that_line() throws IOException {
        open(null);

        record(2); // a result a broker held for the run, taken as the run opens again

        assertThat(run.answered(1, "id-1")).isFalse();
        assertThat(run.answered(2, "id-2")).as("its own custom_id, though intake had not read the line").isTrue();
        assertThat(run.answered(2, "id-2")).isTrue();
    }

    @Test
    void replaying_the_journal_marks_each_journaled_line_done_once() throws IOException {
        Files.writeString(dir.resolve(RunStore.JOURNAL), result(1) + "\n" + result(3) + "\n" + "garbage\n"
                + result(3) + "\n" + result(7) + "\n" + result(8).substring(0, 12), StandardCharsets.UTF_8);

        open(null);

        assertThat(run.isDone(1)).isTrue();
        assertThat(run.isDone(3)).isTrue();
        assertThat(run.isDone(7)).isTrue();
        assertThat(run.isDone(2)).isFalse();
        assertThat(run.isDone(8)).as("its record was torn").isFalse();
        assertThat(run.resultCount()).isEqualTo(3);
    }

    @Test
    void a_line_is_recorded_once_and_the_journal_holds_it_once() throws IOException {
        Files.writeString(dir.resolve(RunStore.JOURNAL), result(1) + "\n");
        open(null);
        long size = Files.size(dir.resolve(RunStore.JOURNAL));

        assertThat(record(1)).as("done before the restart").isFalse();
        assertThat(Files.size(dir.resolve(RunStore.JOURNAL))).isEqualTo(size);

        record(2);
        record(2);
        assertThat(Files.readString(dir.resolve(RunStore.JOURNAL))).isEqualTo(result(1) + "\n" + result(2) + "\n");
        assertThat(run.resultCount()).isEqualTo(2);
    }

    @Test
    void a_run_is_complete_when_intake_is_done_and_every_line_it_read_has_its_result() throws IOException {
        open(null);
        run.lineSeen();
        run.lineSeen();
        run.dispatched();
        run.dispatched();

        assertThat(record(1)).isFalse();
        assertThat(run.markIntakeDone()).as("line 2 is still in flight").isFalse();
        assertThat(run.outstanding()).isEqualTo(1);
        assertThat(record(2)).as("the last result").isTrue();
        assertThat(run.outstanding()).isZero();
    }

    @Test
    void a_resumed_run_whose_lines_are_all_journaled_is_complete_when_intake_ends() throws IOException {
        Files.writeString(dir.resolve(RunStore.JOURNAL), result(1) + "\n" + result(2) + "\n");
        open(null);
        run.lineSeen();
        run.lineSeen();

        assertThat(run.markIntakeDone()).isTrue();
    }

    @Test
    void a_stopped_run_is_never_complete_and_stops_once() throws IOException {
        open(null);
        run.lineSeen();

        assertThat(run.markStopped()).isTrue();
        assertThat(run.markStopped()).isFalse();
        assertThat(run.accepting()).isFalse();
        assertThat(record(1)).as("journaled, yet the run does not complete").isFalse();
        assertThat(run.markIntakeDone()).isFalse();
        assertThat(run.beginFinishing()).isFalse();
    }

    @Test
    void only_one_caller_writes_the_outputs() throws IOException {
        open(null);

        assertThat(run.beginFinishing()).isTrue();
        assertThat(run.beginFinishing()).isFalse();
    }

    @Test
    void a_lost_answer_is_no_longer_outstanding() throws IOException {
        open(null);
        run.dispatched();

        run.answerLost();

        assertThat(run.outstanding()).isZero();
    }

    @Test
    void closing_lets_go_of_the_locks_once() throws IOException {
        AtomicInteger released = new AtomicInteger();
        open(released::incrementAndGet);

        run.close();
        run.close();

        assertThat(released).hasValue(1);
    }

    @Test
    void lines_held_by_a_batch_job_are_known_apart_from_done_lines() throws IOException {
        open(null);

        run.holdForBatch(4);

        assertThat(run.isHeldByBatch(4)).isTrue();
        assertThat(run.isDone(4)).isFalse();
        assertThat(run.isHeldByBatch(5)).isFalse();
    }

    @Test
    void a_journal_record_that_is_not_the_inputs_is_skipped_and_its_line_asked_again() throws IOException {
        String foreign = ResultJson.write(new PromptResult("run", "someone-else", 2, PromptResult.OK, "realtime",
                "not yours", "stop", null, 1, 5, null, null));
        Files.writeString(dir.resolve(RunStore.JOURNAL), result(1) + "\n" + foreign + "\n" + result(3) + "\n"
                + result(99) + "\n");
        open(null);
        assertThat(run.resultCount()).isEqualTo(4);

        // intake reads the input's three lines, with the custom ids they give their results
        for (long line = 1; line <= 3; line++) {
            run.lineSeen();
        }
        assertThat(run.answered(1, "id-1")).isTrue();
        assertThat(run.answered(2, "id-2")).as("the record carries another custom_id").isFalse();
        assertThat(run.answered(3, "id-3")).isTrue();
        run.dispatched();
        assertThat(run.markIntakeDone()).as("line 2 is asked again; line 99 is no line of the input").isFalse();
        assertThat(run.resultCount()).isEqualTo(2);
        assertThat(run.belongs(2, "someone-else")).isFalse();
        assertThat(run.belongs(99, "id-99")).isFalse();
        assertThat(run.belongs(3, "id-3")).isTrue();

        assertThat(record(2)).as("its own answer completes the run").isTrue();
        assertThat(run.belongs(2, "id-2")).isTrue();
    }
}
