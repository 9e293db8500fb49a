package io.github.camelllm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.cost.RunSpend;
import io.github.camelllm.cost.SpendCap;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.run.Run;
import io.github.camelllm.run.RunRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The batch job store: the jobs of the active runs, each persisted in its run's work folder
 * ({@code <workDir>/batches/}). Opens and seals shards, loads a resumed run's jobs, hands the poll route the jobs
 * that need a step (claimed, so two routes never act on one job) and admits them under the enqueued limits.
 * What a step does with the API's answer is {@link BatchSteps}'s.
 */
public final class BatchJobs {

    private static final Logger LOG = LoggerFactory.getLogger(BatchJobs.class);

    static final String BATCHES_DIR = "batches";

    /**
     * Where the jobs not yet over stand, as {@link #jobsIn} counts them: {@code waiting} (sealed, no batch at the
     * API yet: being uploaded, held by the enqueued limits or the spend cap, or waiting to be created
     * again), {@code submitted} (created, the API still validating it), then the API's own statuses.
     */
    public static final List<String> OPEN_STATUSES = List.of("waiting", "submitted", "in_progress", "finalizing",
            "cancelling");
    /** The final statuses of a batch, as {@link #batchesEnded} counts them. */
    public static final List<String> END_STATUSES = List.of("completed", "failed", "expired", "cancelled");

    private final RunRegistry runs;
    private final EnqueuedLimits enqueuedLimits;
    private final Map<String, RunJobs> byRun = new ConcurrentHashMap<>();
    private final Map<String, Shard> openShards = new ConcurrentHashMap<>();
    private final AtomicLong shardSeq = new AtomicLong();
    private final Map<String, LongAdder> ended = new ConcurrentHashMap<>();

    /** The jobs of one run (object), dropped once that run is no longer active. */
    private record RunJobs(Run run, Map<String, ShardJob> jobs) {
    }

    BatchJobs(RunRegistry runs, EnqueuedLimits enqueuedLimits) {
        this.runs = runs;
        this.enqueuedLimits = enqueuedLimits;
        END_STATUSES.forEach(status -> ended.put(status, new LongAdder()));
    }

    // ------------------------------------------------------------------------------------ what the meters read

    /**
     * How many jobs of the active runs that are not over stand at this status ({@link #OPEN_STATUSES}) now, as
     * this process last saw them: a submitted job by the status the API last answered.
     */
    public long jobsIn(String status) {
        long count = 0;
        for (ShardJob job : activeJobs()) {
            if (!job.isSettled() && job.getTerminalStatus() == null && status.equals(openStatus(job))) {
                count++;
            }
        }
        return count;
    }

    private static String openStatus(ShardJob job) {
        if (!ShardJob.SUBMITTED.equals(job.getStage())) {
            return "waiting";
        }
        String last = job.saved().lastStatus();
        return last == null || "validating".equals(last) ? "submitted" : last;
    }

    /** How many batches this process saw end with this status ({@link #END_STATUSES}). */
    public long batchesEnded(String status) {
        LongAdder count = ended.get(status);
        return count == null ? 0 : count.sum();
    }

    /** The API answered that a job's batch is over, with this status. */
    void batchEnded(String status) {
        LongAdder count = ended.get(status);
        if (count != null) {
            count.increment();
        }
    }

    // ---------------------------------------------------------------------------------------------- runs

    /**
     * Called when a run is opened (before intake reads it): loads its persisted jobs, holds their unanswered
     * lines so intake skips them, and makes them pollable. Lines of a shard that was never sealed are simply
     * read again; the orphan shard file is deleted.
     */
    public void openRun(Exchange exchange) throws IOException {
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        Run run = runs.find(runId);
        if (run != null) {
            jobsOf(run);
        }
    }

    private synchronized RunJobs jobsOf(Run run) throws IOException {
        RunJobs known = byRun.get(run.id());
        if (known != null && known.run() == run) {
            return known;
        }
        RunJobs loaded = new RunJobs(run, new ConcurrentHashMap<>());
        Path dir = run.workDir().resolve(BATCHES_DIR);
        if (Files.isDirectory(dir)) {
            long held = 0;
            try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.json")) {
                for (Path file : files) {
                    ShardJobFile saved = ShardJobFile.read(file);
                    boolean open = false;
                    for (long line : saved.lines()) {
                        // a line that ended in error is sent again through intake: no job holds it any more
                        if (!run.isDone(line) && !run.isRetrying(line)) {
                            run.holdForBatch(line);
                            held++;
                            open = true;
                        }
                    }
                    saved.limitedBatchIds().forEach(run::addBatchId);
                    if (saved.batchId() != null) {
                        run.addBatchId(saved.batchId());
                    }
                    ShardJob job = ShardJob.resumed(saved, dir, open);
                    if (open && !ShardJob.SEALED.equals(saved.stage()) && run.spend().rules().capped()) {
                        // sent before the restart: in flight whatever the cap says now
                        job.budgetReserved(run.spend().hold(saved.model(), openBodies(job, run)));
                    }
                    loaded.jobs().put(saved.shardId(), job);
                }
            }
            deleteOrphanShards(dir, loaded.jobs());
            if (!loaded.jobs().isEmpty()) {
                LOG.info("run {}: {} batch job(s) found in its work folder, {} line(s) wait for them (resumed, "
                        + "never uploaded again)", run.id(), loaded.jobs().size(), held);
            }
        }
        byRun.put(run.id(), loaded);
        return loaded;
    }

    private static void deleteOrphanShards(Path dir, Map<String, ShardJob> jobs) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "shard-*.jsonl")) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                String shardId = name.substring(0, name.indexOf('.'));
                if (!jobs.containsKey(shardId)) {
                    Files.deleteIfExists(file); // never sealed: its lines are read and queued again
                }
            }
        }
    }

    // -------------------------------------------------------------------------------------------- shards

    /** A new shard file for a run, endpoint and model (called by the aggregation strategy). */
    Shard openShard(String runId, Endpoint endpoint, String model) throws IOException {
        Run run = runs.get(runId);
        Path dir = run.workDir().resolve(BATCHES_DIR);
        Files.createDirectories(dir);
        String shardId = "shard-" + System.currentTimeMillis() + "-" + shardSeq.incrementAndGet();
        Shard shard = new Shard(runId, endpoint, model, shardId, dir);
        openShards.put(ShardFlush.key(runId, endpoint, model), shard);
        return shard;
    }

    /** Flush markers for every shard of this run that is still being filled (its intake has ended). */
    public List<ShardFlush> openShardsOf(Exchange exchange) {
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        List<ShardFlush> flushes = new ArrayList<>();
        openShards.values().stream().filter(s -> s.runId.equals(runId))
                .forEach(s -> flushes.add(new ShardFlush(s.runId, s.endpoint, s.model)));
        return flushes;
    }

    /**
     * Closes a completed shard and persists its job (stage sealed) before anything is sent: from here on its
     * lines belong to this job. Returns the job, claimed by the caller, or null for an empty group.
     */
    public ShardJob seal(Exchange exchange) throws IOException {
        Object body = exchange.getMessage().getBody();
        if (!(body instanceof Shard shard)) {
            return null;
        }
        shard.close();
        openShards.remove(ShardFlush.key(shard.runId, shard.endpoint, shard.model), shard);
        Run run = runs.get(shard.runId);
        ShardJob job = ShardJob.seal(shard);
        ShardJobFile saved = job.saved();
        for (long line : saved.lines()) {
            run.holdForBatch(line);
        }
        jobsOf(run).jobs().put(saved.shardId(), job);
        exchange.setProperty(LlmConstants.RUN_ID, saved.runId());
        LOG.info("run {}: shard {} sealed with {} line(s), {} bytes, {} model {}", saved.runId(), saved.shardId(),
                saved.lines().length, saved.bytes(), saved.endpointUrl(), saved.model());
        return job;
    }

    /** Claims every job of an active run that still needs a step (upload, create or a status check). */
    public List<ShardJob> claimDue() {
        List<ShardJob> due = new ArrayList<>();
        for (Iterator<RunJobs> it = byRun.values().iterator(); it.hasNext(); ) {
            RunJobs entry = it.next();
            if (runs.find(entry.run().id()) != entry.run()) {
                it.remove(); // the run finished (or stopped): its jobs are done with
                continue;
            }
            for (ShardJob job : entry.jobs().values()) {
                if (job.claim()) {
                    due.add(job);
                }
            }
        }
        return due;
    }

    /** The step of a job taken off the submit queue or claimed by a poll. */
    public BatchStep begin(ShardJob job) {
        return new BatchStep(job);
    }

    /**
     * The run's spend cap for a sealed shard, before it is uploaded: {@link SpendCap#GO} (its worst case, every
     * open line's input and most output tokens at half the model's price, is reserved until it settles), {@code
     * wait} (only the reservations of calls in flight stand in the way: asked again at the next poll) or
     * {@link SpendCap#REFUSED} (it would pass the cap, or its model has no price: it is never sent and its lines
     * end as budget_exceeded errors). Jobs past that step, and runs without a cap, always go.
     */
    public String reserve(Exchange exchange) throws IOException {
        ShardJob job = BatchStep.of(exchange).getJob();
        RunSpend spend = runs.spendOf(job.getRunId());
        if (spend == null || !spend.rules().capped() || job.isSettled() || job.budgetReservation() != null
                || !ShardJob.SEALED.equals(job.getStage())) {
            return SpendCap.GO;
        }
        RunSpend.Outcome outcome = spend.reserve(job.saved().model(), openBodies(job, runs.find(job.getRunId())),
                true);
        switch (outcome.verdict()) {
            case GO -> {
                job.budgetReserved(outcome.reservation());
                return SpendCap.GO;
            }
            case REFUSE -> {
                waitOver(job, System.currentTimeMillis(), false);
                job.refusedByBudget(outcome.reason());
                LOG.warn("run {}: shard {} ({} lines) is not sent: {}", job.getRunId(), job.getShardId(),
                        job.getSize(), outcome.reason());
                return SpendCap.REFUSED;
            }
            default -> {
                return "wait";
            }
        }
    }

    /** The request bodies of the job's lines that have no result yet, read from its shard file. */
    private static List<String> openBodies(ShardJob job, Run run) throws IOException {
        long[] lines = job.saved().lines();
        List<String> bodies = new ArrayList<>();
        try (BatchOutput.Lines shard = new BatchOutput.Lines(job.shardPath())) {
            int index = 0;
            while (shard.hasNext()) {
                String line = shard.next();
                if (index < lines.length && (run == null || !run.isDone(lines[index]))) {
                    JsonNode body = Jackson.MAPPER.readTree(line).path("body");
                    bodies.add(body.toString());
                }
                index++;
            }
        }
        return bodies;
    }

    /**
     * Whether the job may take its next step now: a sealed shard or a waiting job that does not fit
     * llm.batch.max-enqueued-requests or llm.batch.max-enqueued-tokens with what is enqueued already, or a waiting
     * job whose resubmission time has not come, is held (false) and asked again at the next poll; so is a shard
     * waiting for room under its run's spend cap. A job the cap refused is settled already: it takes no step.
     * How long a job was held back before it goes is added to its run's summary.
     */
    public boolean admit(Exchange exchange) {
        ShardJob job = BatchStep.of(exchange).getJob();
        long now = System.currentTimeMillis();
        if (job.isSettled()) {
            return false;
        }
        if (!SpendCap.GO.equals(exchange.getProperty(LlmConstants.BATCH_BUDGET, SpendCap.GO, String.class))) {
            waits(job, now);
            return false;
        }
        if (ShardJob.WAITING.equals(job.getStage()) && job.saved().resubmitAtMs() > now) {
            return false;
        }
        if (!EnqueuedLimits.ready(job, now)) {
            return true;
        }
        if (!enqueuedLimits.admit(job, activeJobs(), now)) {
            waits(job, now);
            return false;
        }
        waitOver(job, now, true);
        return true;
    }

    /** The job is held back: its run counts it as waiting from the first time. */
    private void waits(ShardJob job, long now) {
        if (job.waitsSince(now)) {
            Run run = runs.find(job.getRunId());
            if (run != null) {
                run.batchShardWaits();
            }
        }
    }

    /** A held job goes on ({@code sent}: to its upload or creation) or is refused: its run counts the wait. */
    private void waitOver(ShardJob job, long now, boolean sent) {
        long held = job.heldFor(now);
        Run run = held > 0 ? runs.find(job.getRunId()) : null;
        if (run != null) {
            run.batchShardWaitOver(sent ? held : -1);
        }
    }

    private List<ShardJob> activeJobs() {
        List<ShardJob> all = new ArrayList<>();
        for (RunJobs entry : byRun.values()) {
            if (runs.find(entry.run().id()) == entry.run()) {
                all.addAll(entry.jobs().values());
            }
        }
        return all;
    }

    /** The step is over: the job may be claimed again. */
    public void release(Exchange exchange) {
        BatchStep step = exchange.getProperty(LlmConstants.BATCH, BatchStep.class);
        if (step != null) {
            step.getJob().release();
        }
    }
}
