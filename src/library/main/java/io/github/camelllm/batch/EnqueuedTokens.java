package io.github.camelllm.batch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Comparator;

/**
 * Keeps the estimated tokens of this process's unfinished batches of each model under
 * llm.batch.max-enqueued-tokens (0 = no limit), so shards wait here instead of failing in the API with
 * token_limit_exceeded. Shards of a model are admitted in the order they were sealed: a later, smaller shard
 * never slips past a waiting one, so a shard larger than the limit on its own still gets its turn (alone,
 * once nothing else of its model is enqueued).
 * <p>
 * A job counts from its admission until its batch is terminal ({@link ShardJob#isEnqueued}).
 */
final class EnqueuedTokens {

    private static final Logger LOG = LoggerFactory.getLogger(EnqueuedTokens.class);
    private static final Comparator<ShardJob> SEAL_ORDER = Comparator.<ShardJob>comparingLong(
            j -> j.saved().sealedAtMs()).thenComparing(ShardJob::getShardId);

    private final long limit;

    EnqueuedTokens(long limit) {
        this.limit = limit;
    }

    /**
     * Whether the job may be uploaded or created now. {@code jobs} are every job of the active runs; a job
     * that asks is ready (sealed, or waiting with its resubmission time come).
     */
    synchronized boolean admit(ShardJob job, Iterable<ShardJob> jobs, long nowMs) {
        if (job.isEnqueued()) {
            return true;
        }
        if (limit <= 0) {
            job.enqueue();
            return true;
        }
        ShardJobFile asking = job.saved();
        long enqueued = 0;
        ShardJob first = job;
        for (ShardJob other : jobs) {
            if (other == job || other.isSettled() || !other.saved().model().equals(asking.model())) {
                continue;
            }
            if (other.isEnqueued()) {
                enqueued += other.saved().tokens();
            } else if (ready(other, nowMs) && SEAL_ORDER.compare(other, first) < 0) {
                first = other;
            }
        }
        boolean fits = enqueued + asking.tokens() <= limit;
        boolean alone = enqueued == 0 && asking.tokens() > limit;
        if (first != job || !(fits || alone)) {
            if (job.noteHeld()) {
                LOG.info("run {}: shard {} (~{} tokens, model {}) held back: {} token(s) of {} already enqueued in "
                        + "this process's unfinished batches{}, llm.batch.max-enqueued-tokens={}; submitted when "
                        + "they finish", asking.runId(), asking.shardId(), asking.tokens(), asking.model(), enqueued,
                        asking.model(), first != job ? " and an earlier shard waits first" : "", limit);
            }
            return false;
        }
        if (alone) {
            LOG.warn("run {}: shard {} (~{} tokens, model {}) is larger than llm.batch.max-enqueued-tokens={} on its "
                    + "own: submitted alone, nothing else of {} is enqueued", asking.runId(), asking.shardId(),
                    asking.tokens(), asking.model(), limit, asking.model());
        } else if (job.wasHeld()) {
            LOG.info("run {}: shard {} (~{} tokens, model {}) no longer held back: {} token(s) enqueued before it",
                    asking.runId(), asking.shardId(), asking.tokens(), asking.model(), enqueued);
        }
        job.enqueue();
        return true;
    }

    /**
     * Whether the job's batch can never be enqueued under the limit, even alone: creating it again after a
     * token_limit_exceeded would only fail again.
     */
    boolean neverFits(ShardJob job) {
        return limit > 0 && job.saved().tokens() > limit;
    }

    /** The job's batch is terminal (or it never got one): its tokens are no longer enqueued. */
    void release(ShardJob job) {
        job.dequeue();
    }

    /** A job that wants admission now. */
    static boolean ready(ShardJob job, long nowMs) {
        ShardJobFile saved = job.saved();
        return ShardJob.SEALED.equals(saved.stage())
                || (ShardJob.WAITING.equals(saved.stage()) && saved.resubmitAtMs() <= nowMs);
    }
}
