package io.github.camelllm.batch;

import io.github.camelllm.json.Jackson;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.run.AtomicFiles;
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

/**
 * The batch job store: the jobs of the active runs, each persisted in its run's work folder
 * ({@code <workDir>/batches/}). Opens and seals shards, loads a resumed run's jobs, hands the poll route the jobs
 * that need a step (claimed, so two routes never act on one job) and admits them under the enqueued-token limit.
 * What a step does with the API's answer is {@link BatchSteps}'s.
 */
public final class BatchJobs {

    private static final Logger LOG = LoggerFactory.getLogger(BatchJobs.class);

    static final String BATCHES_DIR = "batches";

    private final RunRegistry runs;
    private final EnqueuedTokens enqueuedTokens;
    private final Map<String, RunJobs> byRun = new ConcurrentHashMap<>();
    private final Map<String, Shard> openShards = new ConcurrentHashMap<>();
    private final AtomicLong shardSeq = new AtomicLong();

    /** The jobs of one run (object), dropped once that run is no longer active. */
    private record RunJobs(Run run, Map<String, ShardJob> jobs) {
    }

    BatchJobs(RunRegistry runs, EnqueuedTokens enqueuedTokens) {
        this.runs = runs;
        this.enqueuedTokens = enqueuedTokens;
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
                    ShardJob job = Jackson.MAPPER.readValue(file.toFile(), ShardJob.class);
                    job.dir = dir;
                    boolean open = false;
                    for (long line : job.lines) {
                        if (!run.isDone(line)) {
                            run.holdForBatch(line);
                            held++;
                            open = true;
                        }
                    }
                    job.settled = !open; // every line already has its result: nothing left to do
                    if (job.tokens <= 0) {
                        job.tokens = job.bytes / 4; // a job file from before token estimates: bytes over-count
                    }
                    // a file id or a batch id means its tokens were admitted (or may be enqueued) already
                    job.enqueued = !job.settled
                            && (ShardJob.UPLOADED.equals(job.stage) || ShardJob.SUBMITTED.equals(job.stage));
                    job.limitedBatchIds.forEach(run::addBatchId);
                    if (job.batchId != null) {
                        run.addBatchId(job.batchId);
                    }
                    loaded.jobs().put(job.shardId, job);
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

    /** A new shard file for a run and model (called by the aggregation strategy). */
    Shard openShard(String runId, String model) throws IOException {
        Run run = runs.get(runId);
        Path dir = run.workDir().resolve(BATCHES_DIR);
        Files.createDirectories(dir);
        String shardId = "shard-" + System.currentTimeMillis() + "-" + shardSeq.incrementAndGet();
        Shard shard = new Shard(runId, model, shardId, dir);
        openShards.put(runId + "|" + model, shard);
        return shard;
    }

    /** Flush markers for every shard of this run that is still being filled (its intake has ended). */
    public List<ShardFlush> openShardsOf(Exchange exchange) {
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        List<ShardFlush> flushes = new ArrayList<>();
        openShards.values().stream().filter(s -> s.runId.equals(runId))
                .forEach(s -> flushes.add(new ShardFlush(s.runId, s.model)));
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
        openShards.remove(shard.runId + "|" + shard.model, shard);
        Run run = runs.get(shard.runId);
        ShardJob job = ShardJob.sealed(shard);
        job.claimed.set(true);
        persist(job);
        for (long line : job.lines) {
            run.holdForBatch(line);
        }
        jobsOf(run).jobs().put(job.shardId, job);
        exchange.setProperty(LlmConstants.RUN_ID, job.runId);
        LOG.info("run {}: shard {} sealed with {} line(s), {} bytes, model {}", job.runId, job.shardId,
                job.lines.length, job.bytes, job.model);
        return job;
    }

    /** Claims every job of an active run that still needs a step (upload, create or a status check). */
    public List<ShardJob> claimDue() {
        List<ShardJob> due = new ArrayList<>();
        for (Iterator<RunJobs> it = byRun.values().iterator(); it.hasNext(); ) {
            RunJobs entry = it.next();
            if (runs.find(entry.run().id()) != entry.run()) {
                it.remove(); // the run finished (or was aborted): its jobs are done with
                continue;
            }
            for (ShardJob job : entry.jobs().values()) {
                if (!job.settled && job.claimed.compareAndSet(false, true)) {
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
     * Whether the job may take its next step now: a sealed shard or a waiting job whose tokens do not fit
     * llm.batch.max-enqueued-tokens, or a waiting job whose resubmission time has not come, is held (false) and
     * asked again at the next poll.
     */
    public boolean admit(Exchange exchange) {
        ShardJob job = BatchStep.of(exchange).getJob();
        long now = System.currentTimeMillis();
        if (ShardJob.WAITING.equals(job.stage) && job.resubmitAtMs > now) {
            return false;
        }
        return !EnqueuedTokens.ready(job, now) || enqueuedTokens.admit(job, activeJobs(), now);
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
            step.getJob().claimed.set(false);
        }
    }

    // ------------------------------------------------------------------------------------------ helpers

    /** Writes the job file atomically, so a crash never leaves half a job. */
    static void persist(ShardJob job) throws IOException {
        AtomicFiles.write(job.jobPath(), tmp -> Jackson.MAPPER.writeValue(tmp.toFile(), job));
    }
}
