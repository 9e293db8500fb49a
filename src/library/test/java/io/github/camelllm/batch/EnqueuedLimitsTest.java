package io.github.camelllm.batch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-model gate of llm.batch.max-enqueued-tokens and llm.batch.max-enqueued-requests, without HTTP. */
class EnqueuedLimitsTest {

    @TempDir
    Path dir;

    private TestJob sealed(String id, String model, long tokens, long sealedAt) {
        return new TestJob().shard(id).model(model).tokens(tokens).sealedAt(sealedAt);
    }

    private ShardJob job(String id, String model, long tokens, long sealedAt) {
        return sealed(id, model, tokens, sealedAt).in(dir);
    }

    /** The job's batch is over and its lines are handed out: it no longer counts. */
    private static void settle(EnqueuedLimits gate, ShardJob job) throws Exception {
        gate.release(job);
        job.settle();
    }

    @Test
    void admits_what_fits_and_holds_the_rest_until_released() throws Exception {
        EnqueuedLimits gate = new EnqueuedLimits(3000, 0);
        ShardJob a = job("a", "m", 2000, 1);
        ShardJob b = job("b", "m", 2000, 2);
        List<ShardJob> all = List.of(a, b);

        assertThat(gate.admit(a, all, 10)).isTrue();
        assertThat(gate.admit(b, all, 10)).isFalse();
        assertThat(gate.admit(b, all, 11)).isFalse();
        settle(gate, a);
        assertThat(gate.admit(b, all, 12)).isTrue();
        assertThat(gate.admit(b, all, 13)).as("admitted once, stays admitted").isTrue();
    }

    @Test
    void models_have_their_own_limit() throws Exception {
        EnqueuedLimits gate = new EnqueuedLimits(3000, 0);
        ShardJob a = job("a", "m1", 2000, 1);
        ShardJob b = job("b", "m2", 2000, 2);
        List<ShardJob> all = List.of(a, b);

        assertThat(gate.admit(a, all, 10)).isTrue();
        assertThat(gate.admit(b, all, 10)).isTrue();
    }

    @Test
    void a_shard_larger_than_the_limit_goes_alone_and_nothing_overtakes_it() throws Exception {
        EnqueuedLimits gate = new EnqueuedLimits(3000, 0);
        ShardJob small = job("small", "m", 1000, 1);
        ShardJob huge = job("huge", "m", 5000, 2);
        ShardJob later = job("later", "m", 1000, 3);
        List<ShardJob> all = List.of(small, huge, later);

        assertThat(gate.admit(small, all, 10)).isTrue();
        assertThat(gate.admit(huge, all, 10)).as("something else is enqueued").isFalse();
        assertThat(gate.admit(later, all, 10)).as("would fit, but the huge shard waits first").isFalse();
        settle(gate, small);
        assertThat(gate.admit(later, all, 11)).isFalse();
        assertThat(gate.admit(huge, all, 11)).as("alone").isTrue();
        assertThat(gate.admit(later, all, 11)).isFalse();
        settle(gate, huge);
        assertThat(gate.admit(later, all, 12)).isTrue();
    }

    @Test
    void a_waiting_job_queues_only_once_its_resubmission_time_has_come() throws Exception {
        EnqueuedLimits gate = new EnqueuedLimits(3000, 0);
        ShardJob running = job("running", "m", 2000, 1);
        ShardJob waiting = sealed("waiting", "m", 2000, 2).stage(ShardJob.WAITING).resubmitAt(100).in(dir);
        ShardJob later = job("later", "m", 500, 3);
        List<ShardJob> all = List.of(running, waiting, later);
        assertThat(gate.admit(running, all, 10)).isTrue();

        assertThat(gate.admit(later, all, 50)).as("the waiting job is not due: no one ahead").isTrue();
        settle(gate, later);
        assertThat(gate.admit(waiting, all, 150)).isFalse();
    }

    /** A job of {@code lines} request lines. */
    private ShardJob lines(String id, int lines, long sealedAt) {
        long[] numbers = new long[lines];
        String[] ids = new String[lines];
        for (int i = 0; i < lines; i++) {
            numbers[i] = i + 1;
            ids[i] = id + "-" + i;
        }
        return sealed(id, "m", 10, sealedAt).lines(numbers, ids).in(dir);
    }

    @Test
    void requests_are_held_like_tokens_until_the_enqueued_ones_plus_the_shard_fit() throws Exception {
        EnqueuedLimits gate = new EnqueuedLimits(0, 5);
        ShardJob a = lines("a", 3, 1);
        ShardJob b = lines("b", 3, 2);
        ShardJob c = lines("c", 2, 3);
        List<ShardJob> all = List.of(a, b, c);

        assertThat(gate.admit(a, all, 10)).isTrue();
        assertThat(gate.admit(b, all, 10)).as("3 + 3 requests pass 5").isFalse();
        assertThat(gate.admit(c, all, 10)).as("3 + 2 would fit, but b waits first").isFalse();
        settle(gate, a);
        assertThat(gate.admit(b, all, 20)).isTrue();
        assertThat(gate.admit(c, all, 20)).as("3 + 2 fit").isTrue();
    }

    @Test
    void both_limits_must_fit() throws Exception {
        EnqueuedLimits gate = new EnqueuedLimits(15, 100);
        ShardJob a = lines("a", 1, 1);
        ShardJob b = lines("b", 1, 2);
        List<ShardJob> all = List.of(a, b);

        assertThat(gate.admit(a, all, 10)).isTrue();
        assertThat(gate.admit(b, all, 10)).as("10 + 10 tokens pass 15, requests fit").isFalse();
    }

    @Test
    void no_limit_admits_everything() throws Exception {
        EnqueuedLimits gate = new EnqueuedLimits(0, 0);
        ShardJob a = job("a", "m", 1_000_000, 1);
        ShardJob b = job("b", "m", 1_000_000, 2);
        assertThat(gate.admit(a, List.of(a, b), 1)).isTrue();
        assertThat(gate.admit(b, List.of(a, b), 1)).isTrue();
    }
}
