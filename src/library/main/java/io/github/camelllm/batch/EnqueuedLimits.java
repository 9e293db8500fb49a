package io.github.camelllm.batch;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Comparator;

/**
 * Keeps what this process's unfinished batches of each model hold under llm.batch.max-enqueued-tokens
 * (estimated tokens) and llm.batch.max-enqueued-requests (request lines), 0 = no limit, so shards wait here,
 * sealed, instead of failing in the API with token_limit_exceeded (or piling up past a provider's queue). Both
 * limits work the same way: a shard is admitted when what is enqueued plus its own fits every limit. Shards of a
 * model are admitted in the order they were sealed: a later, smaller shard never slips past a waiting one, so a
 * shard larger than a limit on its own (a shard sealed under a larger limit before a restart) still gets its turn
 * (alone, once nothing else of its model is enqueued).
 * <p>
 * A job counts from its admission until its batch is terminal ({@link ShardJob#isEnqueued}).
 */
final class EnqueuedLimits {

    private static final Logger LOG = LoggerFactory.getLogger(EnqueuedLimits.class);
    private static final Comparator<ShardJob> SEAL_ORDER = Comparator.<ShardJob>comparingLong(
            j -> j.saved().sealedAtMs()).thenComparing(ShardJob::getShardId);

    private final long maxTokens;
    private final long maxRequests;

    /**
     * @param maxTokens   llm.batch.max-enqueued-tokens, 0 = no limit
     * @param maxRequests llm.batch.max-enqueued-requests, 0 = no limit
     */
    EnqueuedLimits(long maxTokens, long maxRequests) {
        this.maxTokens = maxTokens;
        this.maxRequests = maxRequests;
    }

    /**
     * Whether the job may be uploaded or created now. {@code jobs} are every job of the active runs; a job
     * that asks is ready (sealed, or waiting with its resubmission time come).
     */
    synchronized boolean admit(ShardJob job, Iterable<ShardJob> jobs, long nowMs) {
        if (job.isEnqueued()) {
            return true;
        }
        if (maxTokens <= 0 && maxRequests <= 0) {
            job.enqueue();
            return true;
        }
        ShardJobFile asking = job.saved();
        long tokens = 0;
        long requests = 0;
        ShardJob first = job;
        for (ShardJob other : jobs) {
            if (other == job || other.isSettled() || !other.saved().model().equals(asking.model())) {
                continue;
            }
            if (other.isEnqueued()) {
                tokens += other.saved().tokens();
                requests += requestsOf(other);
            } else if (ready(other, nowMs) && SEAL_ORDER.compare(other, first) < 0) {
                first = other;
            }
        }
        boolean fits = fits(tokens + asking.tokens(), maxTokens) && fits(requests + requestsOf(job), maxRequests);
        boolean alone = tokens == 0 && requests == 0;
        if (first != job || !(fits || alone)) {
            if (job.noteHeld()) {
                LOG.info("run {}: shard {} ({} requests, ~{} tokens, model {}) held back: {} request(s) and {} "
                                + "token(s) of {} already enqueued in this process's unfinished batches{}, "
                                + "llm.batch.max-enqueued-requests={}, llm.batch.max-enqueued-tokens={}; submitted "
                                + "when they finish", asking.runId(), asking.shardId(), requestsOf(job),
                        asking.tokens(), asking.model(), requests, tokens, asking.model(),
                        first != job ? " and an earlier shard waits first" : "", maxRequests, maxTokens);
            }
            return false;
        }
        if (!fits) {
            LOG.warn("run {}: shard {} ({} requests, ~{} tokens, model {}) is larger than llm.batch.max-enqueued-"
                            + "requests={} or llm.batch.max-enqueued-tokens={} on its own: submitted alone, nothing "
                            + "else of {} is enqueued", asking.runId(), asking.shardId(), requestsOf(job),
                    asking.tokens(), asking.model(), maxRequests, maxTokens, asking.model());
        } else if (job.wasHeld()) {
            LOG.info("run {}: shard {} ({} requests, ~{} tokens, model {}) no longer held back: {} request(s), {} "
                            + "token(s) enqueued before it", asking.runId(), asking.shardId(), requestsOf(job),
                    asking.tokens(), asking.model(), requests, tokens);
        }
        job.enqueue();
        return true;
    }

    private static boolean fits(long total, long limit) {
        return limit <= 0 || total <= limit;
    }

    /** What the job counts in the enqueued-request limit: every request line of its file. */
    private static long requestsOf(ShardJob job) {
        return job.saved().lines().length;
    }

    /**
     * Whether the job's batch can never be enqueued under the token limit, even alone: creating it again after
     * a token_limit_exceeded would only fail again.
     */
    boolean neverFits(ShardJob job) {
        return maxTokens > 0 && job.saved().tokens() > maxTokens;
    }

    /** The job's batch is terminal (or it never got one): its tokens and requests are no longer enqueued. */
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
