package io.github.camelllm.batch;

import io.github.camelllm.cost.RunSpend;
import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.run.Run;
import io.github.camelllm.run.RunRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.function.UnaryOperator;

/**
 * What each answer of the Files and Batches APIs does to a batch job (the {@link BatchStep} on the exchange):
 * a file id or a batch id persisted, a status read, a resubmission after the enqueued-token limit, a refusal that
 * ends the job, the job settled. Requests and answers themselves are {@link BatchApi}'s; the jobs are
 * {@link BatchJobs}'.
 */
public final class BatchSteps {

    private static final Logger LOG = LoggerFactory.getLogger(BatchSteps.class);

    /** What a job does after a step: nothing until the next poll (still running, or a step to try again). */
    public static final String WAIT = "wait";
    /** It failed on the enqueued-token limit before any line ran: it is created again later from the same file. */
    public static final String RESUBMIT = "resubmit";
    /** It is over: its lines get their outcomes now (batch-settle). */
    public static final String SETTLE = "settle";

    private final RunRegistry runs;
    private final BatchJobs jobs;
    private final EnqueuedLimits enqueuedLimits;
    private final Resubmits resubmits;
    private final UnaryOperator<String> scrub;

    BatchSteps(RunRegistry runs, BatchJobs jobs, EnqueuedLimits enqueuedLimits, Resubmits resubmits,
               UnaryOperator<String> scrub) {
        this.runs = runs;
        this.jobs = jobs;
        this.enqueuedLimits = enqueuedLimits;
        this.resubmits = resubmits;
        this.scrub = scrub;
    }

    /** The upload's file id is persisted before the batch is created (a crash here must not upload again). */
    public void uploaded(Exchange exchange) throws IOException {
        ShardJob job = BatchStep.of(exchange).getJob();
        String fileId = BatchApi.file(exchange).id();
        if (fileId == null) {
            throw new IOException("the upload answer has no file id");
        }
        job.uploaded(fileId);
        LOG.info("run {}: shard {} uploaded as {}", job.getRunId(), job.getShardId(), fileId);
    }

    public void created(Exchange exchange) throws IOException {
        ShardJob job = BatchStep.of(exchange).getJob();
        int resubmitted = job.saved().resubmits();
        submitted(job, BatchApi.batch(exchange), resubmitted > 0
                ? "created again (resubmission " + resubmitted + ")" : "created");
    }

    /**
     * After a crash between upload and create (or a lost create answer) the batch may exist already: looks for
     * it among the newest 100 batches by input_file_id, never one that failed on the enqueued-token limit.
     *
     * @return true when it was found (and adopted), false when the batch is still to be created
     */
    public boolean adoptExisting(Exchange exchange) throws IOException {
        ShardJob job = BatchStep.of(exchange).getJob();
        ShardJobFile saved = job.saved();
        for (BatchApi.Batch batch : BatchApi.batches(exchange).batches()) {
            if (saved.fileId().equals(batch.inputFileId()) && !saved.limitedBatchIds().contains(batch.id())) {
                submitted(job, batch, "found existing");
                return true;
            }
        }
        return false;
    }

    private void submitted(ShardJob job, BatchApi.Batch batch, String how) throws IOException {
        String batchId = batch.id();
        if (batchId == null) {
            throw new IOException("the batch answer has no id");
        }
        long createdAt = batch.createdAt() * 1000;
        long now = System.currentTimeMillis();
        job.submitted(batchId, createdAt > 0 ? Math.min(createdAt, now) : now, batch.status());
        Run run = runs.find(job.getRunId());
        if (run != null) {
            run.addBatchId(batchId);
        }
        LOG.info("run {}: shard {} ({} lines) {} batch {}", job.getRunId(), job.getShardId(), job.getSize(), how,
                batchId);
    }

    /**
     * Reads a batch object into the step: its status, progress and files.
     *
     * @return {@link #SETTLE} when the job is over, {@link #RESUBMIT} when it failed on the enqueued-token limit with
     * resubmissions left, else {@link #WAIT}
     */
    public String status(Exchange exchange) throws IOException {
        BatchStep step = BatchStep.of(exchange);
        ShardJob job = step.getJob();
        BatchApi.Batch batch = BatchApi.batch(exchange);
        String status = batch.statusText();
        step.read(status, batch.progress(), batch.outputFileId(), batch.errorFileId());
        String next = batch.terminal() ? SETTLE : WAIT;
        if (batch.terminal()) {
            job.ended(status, batch.firstError());
            jobs.batchEnded(status);
            enqueuedLimits.release(job);
            BatchApi.BatchError limit = "failed".equals(status) ? batch.tokenLimitError() : null;
            if (limit != null && enqueuedLimits.neverFits(job)) {
                job.failWith(BatchApi.TOKEN_LIMIT + ": " + limit.message() + " (the shard's ~" + job.saved().tokens()
                        + " tokens are more than llm.batch.max-enqueued-tokens on their own: not created again)");
                LOG.warn("run {}: batch {} of shard {} failed on the enqueued-token limit, and its ~{} tokens can never"
                        + " fit it: not created again, its {} line(s) follow llm.batch.on-failure", job.getRunId(),
                        job.getBatchId(), job.getShardId(), job.saved().tokens(), job.getSize());
            } else if (limit != null && resubmits.allowed(job)) {
                next = RESUBMIT;
                job.failWith(limit.message());
            } else if (limit != null) {
                job.failWith(BatchApi.TOKEN_LIMIT + ": " + limit.message() + " (submitted "
                        + (job.saved().resubmits() + 1) + " time(s), llm.batch.max-resubmits=" + resubmits.max()
                        + " reached)");
                LOG.warn("run {}: batch {} of shard {} failed on the enqueued-token limit again and "
                        + "llm.batch.max-resubmits={} is reached: its {} line(s) follow llm.batch.on-failure",
                        job.getRunId(), job.getBatchId(), job.getShardId(), resubmits.max(), job.getSize());
            }
        }
        job.polled(status);
        return next;
    }

    /**
     * The batch failed on the enqueued-token limit before any line ran: the job waits (persisted) and a new
     * batch is created from the same uploaded file after a growing delay; the failed batch is never adopted.
     */
    public void resubmitLater(Exchange exchange) throws IOException {
        ShardJob job = BatchStep.of(exchange).getJob();
        String why = job.failureMessage();
        int resubmission = job.saved().resubmits() + 1;
        long delay = resubmits.delayMs(resubmission);
        String failed = job.waitUntil(System.currentTimeMillis() + delay);
        ShardJobFile saved = job.saved();
        LOG.warn("run {}: batch {} of shard {} ({} lines, ~{} tokens, model {}) failed on the enqueued-token limit "
                        + "(\"{}\"); nothing ran: a new batch is created from file {} in {} ms (resubmission {} of "
                        + "llm.batch.max-resubmits={})", saved.runId(), failed, saved.shardId(), saved.lines().length,
                saved.tokens(), saved.model(), why, saved.fileId(), delay, saved.resubmits(), resubmits.max());
    }

    /**
     * A Files/Batches call failed. An answer that no retry fixes ({@link ApiFailure#retryable()}: e.g. an
     * unknown batch id, a rejected file, a refused key) ends the job as failed, so its lines follow
     * llm.batch.on-failure; anything else (server errors, rate limits, timeouts, a broken connection) leaves the
     * job for the next poll.
     *
     * @return {@link #SETTLE} when the job ended, else {@link #WAIT}
     */
    public String apiFailed(Exchange exchange) {
        BatchStep step = BatchStep.of(exchange);
        ShardJob job = step.getJob();
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ApiFailure api = BatchApi.failure(failure);
        if (api != null && !api.retryable()) {
            String reason = scrub.apply(api.describe());
            job.refused(reason);
            enqueuedLimits.release(job);
            step.refused();
            LOG.warn("run {}: shard {} ({}) refused by the API: {}", job.getRunId(), job.getShardId(), job.getStage(),
                    reason);
            return SETTLE;
        }
        LOG.warn("run {}: shard {} ({}): {} (tried again at the next poll)", job.getRunId(), job.getShardId(),
                job.getStage(), api != null ? scrub.apply(api.describe())
                        : failure == null ? "unknown failure" : failure.getMessage());
        return WAIT;
    }

    /** Every line of the job has its result or is on its way to one: the job is not polled again. */
    public void settled(Exchange exchange) throws IOException {
        ShardJob job = BatchStep.of(exchange).getJob();
        enqueuedLimits.release(job);
        RunSpend spend = runs.spendOf(job.getRunId());
        if (spend != null) {
            spend.release(job.budgetReservation()); // its answers are counted: its worst case is held no more
        }
        job.settle();
        LOG.info("run {}: batch {} {}: {} line(s) answered by the batch, {} handled by llm.batch.on-failure",
                job.getRunId(), job.getBatchId() == null ? job.getShardId() : job.getBatchId(),
                job.getTerminalStatus(), job.okCount(), job.fallbackCount());
    }
}
