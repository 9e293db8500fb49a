package io.github.camelllm.batch;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The per-model gate of llm.batch.max-enqueued-tokens, without HTTP. */
class EnqueuedTokensTest {

    private static ShardJob job(String id, String model, long tokens, long sealedAt) {
        ShardJob job = new ShardJob();
        job.runId = "run";
        job.shardId = id;
        job.model = model;
        job.tokens = tokens;
        job.sealedAtMs = sealedAt;
        job.stage = ShardJob.SEALED;
        job.lines = new long[0];
        return job;
    }

    @Test
    void admits_what_fits_and_holds_the_rest_until_released() {
        EnqueuedTokens gate = new EnqueuedTokens(3000);
        ShardJob a = job("a", "m", 2000, 1);
        ShardJob b = job("b", "m", 2000, 2);
        List<ShardJob> all = List.of(a, b);

        assertThat(gate.admit(a, all, 10)).isTrue();
        assertThat(gate.admit(b, all, 10)).isFalse();
        assertThat(gate.admit(b, all, 11)).isFalse();
        gate.release(a);
        a.settled = true;
        assertThat(gate.admit(b, all, 12)).isTrue();
        assertThat(gate.admit(b, all, 13)).as("admitted once, stays admitted").isTrue();
    }

    @Test
    void models_have_their_own_limit() {
        EnqueuedTokens gate = new EnqueuedTokens(3000);
        ShardJob a = job("a", "m1", 2000, 1);
        ShardJob b = job("b", "m2", 2000, 2);
        List<ShardJob> all = List.of(a, b);

        assertThat(gate.admit(a, all, 10)).isTrue();
        assertThat(gate.admit(b, all, 10)).isTrue();
    }

    @Test
    void a_shard_larger_than_the_limit_goes_alone_and_nothing_overtakes_it() {
        EnqueuedTokens gate = new EnqueuedTokens(3000);
        ShardJob small = job("small", "m", 1000, 1);
        ShardJob huge = job("huge", "m", 5000, 2);
        ShardJob later = job("later", "m", 1000, 3);
        List<ShardJob> all = List.of(small, huge, later);

        assertThat(gate.admit(small, all, 10)).isTrue();
        assertThat(gate.admit(huge, all, 10)).as("something else is enqueued").isFalse();
        assertThat(gate.admit(later, all, 10)).as("would fit, but the huge shard waits first").isFalse();
        gate.release(small);
        small.settled = true;
        assertThat(gate.admit(later, all, 11)).isFalse();
        assertThat(gate.admit(huge, all, 11)).as("alone").isTrue();
        assertThat(gate.admit(later, all, 11)).isFalse();
        gate.release(huge);
        huge.settled = true;
        assertThat(gate.admit(later, all, 12)).isTrue();
    }

    @Test
    void a_waiting_job_queues_only_once_its_resubmission_time_has_come() {
        EnqueuedTokens gate = new EnqueuedTokens(3000);
        ShardJob running = job("running", "m", 2000, 1);
        ShardJob waiting = job("waiting", "m", 2000, 2);
        waiting.stage = ShardJob.WAITING;
        waiting.resubmitAtMs = 100;
        ShardJob later = job("later", "m", 500, 3);
        List<ShardJob> all = List.of(running, waiting, later);
        assertThat(gate.admit(running, all, 10)).isTrue();

        assertThat(gate.admit(later, all, 50)).as("the waiting job is not due: no one ahead").isTrue();
        gate.release(later);
        later.settled = true;
        assertThat(gate.admit(waiting, all, 150)).isFalse();
    }

    @Test
    void no_limit_admits_everything() {
        EnqueuedTokens gate = new EnqueuedTokens(0);
        ShardJob a = job("a", "m", 1_000_000, 1);
        ShardJob b = job("b", "m", 1_000_000, 2);
        assertThat(gate.admit(a, List.of(a, b), 1)).isTrue();
        assertThat(gate.admit(b, List.of(a, b), 1)).isTrue();
    }
}
