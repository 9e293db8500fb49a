package io.github.camelllm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.run.Run;
import io.github.camelllm.run.RunRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.client5.http.entity.mime.MultipartEntityBuilder;
import org.apache.hc.core5.http.ContentType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * The batch jobs of the active runs: opens shards, persists each job step in the run's work folder
 * ({@code <workDir>/batches/}), and hands the poll route the jobs that need work. Also builds the Files and
 * Batches API requests and reads their answers.
 */
public final class BatchJobs {

    private static final Logger LOG = LoggerFactory.getLogger(BatchJobs.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final String JOB = "llmJob";
    public static final String STATUS = "llmBatchStatus";
    public static final String TERMINAL = "llmBatchTerminal";
    public static final String OUTPUT_FILE = "llmBatchOutputFile";
    public static final String ERROR_FILE = "llmBatchErrorFile";
    public static final String PROGRESS = "llmBatchProgress";
    public static final String FOUND = "llmBatchFound";
    public static final String HELD = "llmBatchHeld";
    public static final String RESUBMIT = "llmBatchResubmit";
    static final String TOKEN_LIMIT = "token_limit_exceeded";
    static final String BATCHES_DIR = "batches";

    private final RunRegistry runs;
    private final EnqueuedTokens enqueuedTokens;
    private final Resubmits resubmits;
    private final UnaryOperator<String> scrub;
    private final Map<String, RunJobs> byRun = new ConcurrentHashMap<>();
    private final Map<String, Shard> openShards = new ConcurrentHashMap<>();
    private final AtomicLong shardSeq = new AtomicLong();

    /** The jobs of one run (object), dropped once that run is no longer active. */
    private record RunJobs(Run run, Map<String, ShardJob> jobs) {
    }

    public BatchJobs(RunRegistry runs, long maxEnqueuedTokens, int maxResubmits, long pollIntervalMs,
                     UnaryOperator<String> scrub) {
        this.runs = runs;
        this.enqueuedTokens = new EnqueuedTokens(maxEnqueuedTokens);
        this.resubmits = new Resubmits(maxResubmits, pollIntervalMs);
        this.scrub = scrub;
    }

    // ---------------------------------------------------------------------------------------------- runs

    /**
     * Called when a run is opened (before intake reads it): loads its persisted jobs, holds their unanswered
     * lines so intake skips them, and makes them pollable. Lines of a shard that was never sealed are simply
     * read again; the orphan shard file is deleted.
     */
    public void openRun(Exchange exchange) throws IOException {
        String runId = exchange.getProperty("llmRunId", String.class);
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
                    ShardJob job = JSON.readValue(file.toFile(), ShardJob.class);
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
        String runId = exchange.getProperty("llmRunId", String.class);
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
        exchange.setProperty(JOB, job);
        exchange.setProperty("llmRunId", job.runId);
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

    /**
     * Sets {@link #HELD} for a job that may not take its next step yet: a sealed shard or a waiting job whose
     * tokens do not fit llm.batch.max-enqueued-tokens, or a waiting job whose resubmission time has not come.
     */
    public void admit(Exchange exchange) {
        ShardJob job = job(exchange);
        long now = System.currentTimeMillis();
        boolean held = false;
        if (ShardJob.WAITING.equals(job.stage) && job.resubmitAtMs > now) {
            held = true;
        } else if (EnqueuedTokens.ready(job, now)) {
            held = !enqueuedTokens.admit(job, activeJobs(), now);
        }
        exchange.setProperty(HELD, held);
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

    public void release(Exchange exchange) {
        ShardJob job = exchange.getProperty(JOB, ShardJob.class);
        if (job != null) {
            job.claimed.set(false);
        }
    }

    // ------------------------------------------------------------------------------------- API requests

    /** POST /files: the shard as a multipart upload with purpose=batch, streamed from disk. */
    public void uploadRequest(Exchange exchange) {
        ShardJob job = job(exchange);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setBody(MultipartEntityBuilder.create()
                .addTextBody("purpose", "batch")
                .addBinaryBody("file", job.shardPath().toFile(), ContentType.create("application/jsonl"),
                        job.runId + "-" + job.shardFile)
                .build());
    }

    /** The upload's file id is persisted before the batch is created (a crash here must not upload again). */
    public void uploaded(Exchange exchange) throws IOException {
        ShardJob job = job(exchange);
        job.fileId = read(exchange).path("id").asText(null);
        if (job.fileId == null) {
            throw new IOException("the upload answer has no file id");
        }
        job.stage = ShardJob.UPLOADED;
        persist(job);
        LOG.info("run {}: shard {} uploaded as {}", job.runId, job.shardId, job.fileId);
    }

    /** POST /batches body. */
    public String createRequest(Exchange exchange) {
        ShardJob job = job(exchange);
        ObjectNode request = JSON.createObjectNode();
        request.put("input_file_id", job.fileId);
        request.put("endpoint", "/v1/chat/completions");
        request.put("completion_window", "24h");
        ObjectNode metadata = request.putObject("metadata");
        metadata.put("run_id", job.runId);
        metadata.put("shard_id", job.shardId);
        metadata.put("lines", Integer.toString(job.lines.length));
        metadata.put("source", "camel-llm-pipeline");
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        return request.toString();
    }

    public void created(Exchange exchange) throws IOException {
        ShardJob job = job(exchange);
        submitted(job, read(exchange), job.resubmits > 0 ? "created again (resubmission " + job.resubmits + ")"
                : "created");
    }

    /**
     * After a crash between upload and create (or a lost create answer) the batch may exist already: looks for
     * it among the newest 100 batches by input_file_id. Sets {@link #FOUND}.
     */
    public void adoptExisting(Exchange exchange) throws IOException {
        ShardJob job = job(exchange);
        for (JsonNode batch : read(exchange).path("data")) {
            if (job.fileId.equals(batch.path("input_file_id").asText())
                    && !job.limitedBatchIds.contains(batch.path("id").asText())) {
                submitted(job, batch, "found existing");
                exchange.setProperty(FOUND, true);
                return;
            }
        }
        exchange.setProperty(FOUND, false);
    }

    private void submitted(ShardJob job, JsonNode batch, String how) throws IOException {
        job.batchId = batch.path("id").asText(null);
        if (job.batchId == null) {
            throw new IOException("the batch answer has no id");
        }
        long createdAt = batch.path("created_at").asLong(0) * 1000;
        job.createdAtMs = createdAt > 0 ? Math.min(createdAt, System.currentTimeMillis()) : System.currentTimeMillis();
        job.stage = ShardJob.SUBMITTED;
        job.resubmitAtMs = 0;
        job.lastStatus = batch.path("status").asText(null);
        persist(job);
        Run run = runs.find(job.runId);
        if (run != null) {
            run.addBatchId(job.batchId);
        }
        LOG.info("run {}: shard {} ({} lines) {} batch {}", job.runId, job.shardId, job.lines.length, how,
                job.batchId);
    }

    /** Reads a batch object: sets {@link #STATUS}, {@link #TERMINAL}, the file ids and a progress text. */
    public void status(Exchange exchange) throws IOException {
        ShardJob job = job(exchange);
        JsonNode batch = read(exchange);
        String status = batch.path("status").asText("unknown");
        JsonNode counts = batch.path("request_counts");
        exchange.setProperty(STATUS, status);
        exchange.setProperty(PROGRESS, counts.path("completed").asLong() + "/" + counts.path("total").asLong()
                + " completed, " + counts.path("failed").asLong() + " failed");
        exchange.setProperty(OUTPUT_FILE, batch.path("output_file_id").asText(null));
        exchange.setProperty(ERROR_FILE, batch.path("error_file_id").asText(null));
        boolean terminal = switch (status) {
            case "completed", "failed", "expired", "cancelled" -> true;
            default -> false;
        };
        exchange.setProperty(TERMINAL, terminal);
        exchange.setProperty(RESUBMIT, false);
        if (terminal) {
            job.terminalStatus = status;
            enqueuedTokens.release(job);
            JsonNode errors = batch.path("errors").path("data");
            if (errors.isArray() && !errors.isEmpty()) {
                job.failureMessage = errors.get(0).path("code").asText("") + ": "
                        + errors.get(0).path("message").asText("");
            }
            JsonNode limit = "failed".equals(status) ? tokenLimitError(errors) : null;
            if (limit != null && resubmits.allowed(job)) {
                exchange.setProperty(TERMINAL, false); // nothing was run: the same file is submitted again
                exchange.setProperty(RESUBMIT, true);
                job.failureMessage = limit.path("message").asText("");
            } else if (limit != null) {
                job.failureMessage = TOKEN_LIMIT + ": " + limit.path("message").asText("") + " (submitted "
                        + (job.resubmits + 1) + " time(s), llm.batch.max-resubmits=" + resubmits.max()
                        + " reached)";
                LOG.warn("run {}: batch {} of shard {} failed on the enqueued-token limit again and "
                        + "llm.batch.max-resubmits={} is reached: its {} line(s) follow llm.batch.on-failure",
                        job.runId, job.batchId, job.shardId, resubmits.max(), job.lines.length);
            }
        }
        if (!status.equals(job.lastStatus)) {
            job.lastStatus = status;
            persist(job);
        }
    }

    private static JsonNode tokenLimitError(JsonNode errors) {
        for (JsonNode error : errors) {
            if (TOKEN_LIMIT.equals(error.path("code").asText())) {
                return error;
            }
        }
        return null;
    }

    /**
     * The batch failed on the enqueued-token limit before any line ran: the job waits (persisted) and a new
     * batch is created from the same uploaded file after a growing delay; the failed batch is never adopted.
     */
    public void resubmitLater(Exchange exchange) throws IOException {
        ShardJob job = job(exchange);
        String failed = job.batchId;
        job.limitedBatchIds.add(failed);
        job.batchId = null;
        job.lastStatus = null;
        job.terminalStatus = null;
        job.resubmits++;
        long delay = resubmits.delayMs(job.resubmits);
        job.resubmitAtMs = System.currentTimeMillis() + delay;
        job.stage = ShardJob.WAITING;
        persist(job);
        LOG.warn("run {}: batch {} of shard {} ({} lines, ~{} tokens, model {}) failed on the enqueued-token limit "
                        + "(\"{}\"); nothing ran: a new batch is created from file {} in {} ms (resubmission {} of "
                        + "llm.batch.max-resubmits={})", job.runId, failed, job.shardId, job.lines.length,
                job.tokens, job.model, job.failureMessage, job.fileId, delay, job.resubmits, resubmits.max());
        job.failureMessage = null;
    }

    /**
     * A Files/Batches call failed. An answer that no retry fixes ({@link ApiFailure#retryable()}: e.g. an
     * unknown batch id, a rejected file, a refused key) ends the job as failed, so its lines follow
     * llm.batch.on-failure; anything else (server errors, rate limits, timeouts, a broken connection) leaves the
     * job for the next poll.
     */
    public void apiFailed(Exchange exchange) {
        ShardJob job = job(exchange);
        Throwable failure = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        ApiFailure api = failure instanceof HttpOperationFailedException http ? ApiFailure.of(http.getStatusCode(),
                http.getResponseHeaders(), http.getResponseBody() == null ? null
                        : http.getResponseBody().getBytes(StandardCharsets.UTF_8)) : null;
        if (api != null && !api.retryable()) {
            job.terminalStatus = "failed";
            enqueuedTokens.release(job);
            job.failureMessage = scrub.apply(api.describe());
            exchange.setProperty(STATUS, "failed");
            exchange.setProperty(TERMINAL, true);
            exchange.setProperty(OUTPUT_FILE, null);
            exchange.setProperty(ERROR_FILE, null);
            LOG.warn("run {}: shard {} ({}) refused by the API: {}", job.runId, job.shardId, job.stage,
                    job.failureMessage);
        } else {
            exchange.setProperty(TERMINAL, false);
            LOG.warn("run {}: shard {} ({}): {} (tried again at the next poll)", job.runId, job.shardId, job.stage,
                    api != null ? scrub.apply(api.describe())
                            : failure == null ? "unknown failure" : failure.getMessage());
        }
    }

    /** Every line of the job has its result or is on its way to one: the job is not polled again. */
    public void settled(Exchange exchange) throws IOException {
        ShardJob job = job(exchange);
        job.settled = true;
        enqueuedTokens.release(job);
        job.stage = ShardJob.SETTLED;
        persist(job);
        LOG.info("run {}: batch {} {}: {} line(s) answered by the batch, {} handled by llm.batch.on-failure",
                job.runId, job.batchId == null ? job.shardId : job.batchId, job.terminalStatus, job.okCount.get(),
                job.fallbackCount.get());
    }

    // ------------------------------------------------------------------------------------------ helpers

    static ShardJob job(Exchange exchange) {
        ShardJob job = exchange.getProperty(JOB, ShardJob.class);
        if (job == null) {
            throw new IllegalStateException("no batch job on the exchange");
        }
        return job;
    }

    private static JsonNode read(Exchange exchange) throws IOException {
        try (InputStream in = exchange.getMessage().getBody(InputStream.class)) {
            if (in == null) {
                throw new IOException("empty answer from the API");
            }
            return JSON.readTree(in);
        }
    }

    /** Writes the job file atomically (temp file + rename), so a crash never leaves half a job. */
    static void persist(ShardJob job) throws IOException {
        Path target = job.jobPath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
        JSON.writeValue(tmp.toFile(), job);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
