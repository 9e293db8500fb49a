package io.github.camelllm.batch;

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
                    ShardJobFile saved = ShardJobFile.read(file);
                    boolean open = false;
                    for (long line : saved.lines()) {
                        if (!run.isDone(line)) {
                            run.holdForBatch(line);
                            held++;
                            open = true;
                        }
                    }
                    saved.limitedBatchIds().forEach(run::addBatchId);
                    if (saved.batchId() != null) {
                        run.addBatchId(saved.batchId());
                    }
                    loaded.jobs().put(saved.shardId(), ShardJob.resumed(saved, dir, open));
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
        ShardJob job = ShardJob.seal(shard);
        ShardJobFile saved = job.saved();
        for (long line : saved.lines()) {
            run.holdForBatch(line);
        }
        jobsOf(run).jobs().put(saved.shardId(), job);
        exchange.setProperty(LlmConstants.RUN_ID, saved.runId());
        LOG.info("run {}: shard {} sealed with {} line(s), {} bytes, model {}", saved.runId(), saved.shardId(),
                saved.lines().length, saved.bytes(), saved.model());
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
     * Whether the job may take its next step now: a sealed shard or a waiting job whose tokens do not fit
     * llm.batch.max-enqueued-tokens, or a waiting job whose resubmission time has not come, is held (false) and
     * asked again at the next poll.
     */
    public boolean admit(Exchange exchange) {
        ShardJob job = BatchStep.of(exchange).getJob();
        long now = System.currentTimeMillis();
        if (ShardJob.WAITING.equals(job.getStage()) && job.saved().resubmitAtMs() > now) {
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
            step.getJob().release();
        }
    }
}
