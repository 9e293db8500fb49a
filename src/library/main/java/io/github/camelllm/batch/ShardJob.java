package io.github.camelllm.batch;

import io.github.camelllm.cost.RunSpend;
import io.github.camelllm.model.PromptResult.ErrorInfo;
import io.github.camelllm.run.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One shard on its way through the Batch API: what is persisted ({@link ShardJobFile}, written as
 * {@code <workDir>/batches/<shardId>.json} at every step, so a restart knows what was sent and never uploads
 * those lines again) and what this process knows of it besides (claimed by a route, its tokens enqueued, the
 * lines its batch answered).
 * <p>
 * sealed (file written) → uploaded (file id known) → submitted (batch created, its id known; its status polled)
 * → settled (results handed out). A batch that failed on the organisation's enqueued-token limit sends its job
 * to waiting (file id kept, batch id moved to limited_batch_ids): at resubmit_at_ms a new batch is created from
 * the same file.
 */
public final class ShardJob {

    public static final String SEALED = "sealed";
    public static final String UPLOADED = "uploaded";
    public static final String SUBMITTED = "submitted";
    public static final String SETTLED = "settled";
    public static final String WAITING = "waiting";

    /** The run's batches folder: the job file and its shard file are here. */
    private final Path dir;
    /** The job as last persisted (written before a step counts). */
    private volatile ShardJobFile saved;

    /** Held by the route working on this job (submit or poll), so two routes never act on it at once. */
    private final AtomicBoolean claimed = new AtomicBoolean();
    /** Every line has its result or is on its way to one: the job is not polled again. */
    private volatile boolean settled;
    private volatile String terminalStatus;
    private volatile String failureMessage;
    /** Shard indexes answered by the batch output. Guarded by this. */
    private final BitSet answered = new BitSet();
    /** Shard indexes the batch answered with an error, and why. */
    private final Map<Integer, ErrorInfo> failures = new ConcurrentHashMap<>();
    /** Guarded by this; built when the batch's output is first read. */
    private Map<String, Integer> indexByCustomId;
    private final AtomicLong okCount = new AtomicLong();
    private final AtomicLong fallbackCount = new AtomicLong();
    /** Its tokens count as enqueued: admitted for upload/create and its batch not yet terminal. */
    private volatile boolean enqueued;
    /** Its being held back was logged (once per hold). */
    private volatile boolean holdLogged;
    /** When this process first held it back (enqueued limits, spend cap) since it was last admitted, or 0. */
    private volatile long heldSinceMs;
    /** The worst case it holds under its run's spend cap until it settles, or null. */
    private volatile RunSpend.Reservation budgetReservation;
    /** The spend cap refused it: it is never sent, and its lines end as budget_exceeded. */
    private volatile boolean budgetRefused;

    ShardJob(ShardJobFile saved, Path dir) {
        this.saved = saved;
        this.dir = dir;
    }

    /**
     * Persists the job of a shard just closed, before anything of it is sent: from here on its lines belong to
     * this job. The job is claimed by the caller.
     */
    static ShardJob seal(Shard shard) throws IOException {
        ShardJob job = new ShardJob(ShardJobFile.sealed(shard, System.currentTimeMillis()), shard.dir);
        job.claimed.set(true);
        job.write();
        return job;
    }

    /**
     * A job found in a resumed run's work folder.
     *
     * @param linesOpen some of its lines have no result yet: else there is nothing left to do
     */
    static ShardJob resumed(ShardJobFile saved, Path dir, boolean linesOpen) {
        ShardJob job = new ShardJob(saved, dir);
        job.settled = !linesOpen;
        // a file id or a batch id means its tokens were admitted (or may be enqueued) already
        job.enqueued = linesOpen && (UPLOADED.equals(saved.stage()) || SUBMITTED.equals(saved.stage()));
        return job;
    }

    /** The job as last persisted. */
    ShardJobFile saved() {
        return saved;
    }

    Path dir() {
        return dir;
    }

    Path shardPath() {
        return dir.resolve(saved.shardFile());
    }

    Path jobPath() {
        return dir.resolve(saved.shardId() + ".json");
    }

    // ------------------------------------------------------------------------- steps (each one persisted)

    /** The shard file was uploaded: its file id is persisted before a batch is created from it. */
    synchronized void uploaded(String fileId) throws IOException {
        expect(SEALED);
        step(saved.uploadedAs(fileId));
    }

    /** A batch of the uploaded file exists (created, or found after a lost answer): its id is persisted. */
    synchronized void submitted(String batchId, long createdAtMs, String status) throws IOException {
        expect(UPLOADED, WAITING);
        step(saved.submittedAs(batchId, createdAtMs, status));
    }

    /** The batch's status as just read; persisted when it changed. */
    synchronized void polled(String status) throws IOException {
        if (!status.equals(saved.lastStatus())) {
            step(saved.withStatus(status));
        }
    }

    /**
     * The batch failed on the enqueued-token limit before any line ran: the job waits, and a new batch is
     * created from the same file at {@code atMs}.
     *
     * @return the id of the batch that failed (never adopted again)
     */
    synchronized String waitUntil(long atMs) throws IOException {
        String failed = saved.batchId();
        step(saved.waitingUntil(atMs));
        terminalStatus = null;
        failureMessage = null;
        return failed;
    }

    /** Every line has its result or is on its way to one: the job is not polled again. */
    synchronized void settle() throws IOException {
        settled = true;
        step(saved.settled());
    }

    private void expect(String... stages) {
        if (!Arrays.asList(stages).contains(saved.stage())) {
            throw new IllegalStateException("batch job " + saved + " is " + saved.stage() + ", not "
                    + String.join(" or ", stages));
        }
    }

    private void step(ShardJobFile next) throws IOException {
        saved = next;
        write();
    }

    /** Writes the job file atomically, so a crash never leaves half a job. */
    private void write() throws IOException {
        AtomicFiles.write(jobPath(), saved.toJson());
    }

    // ------------------------------------------------------------------------ what this process knows

    /** Claims the job for one route; false when it is settled or another route holds it. */
    boolean claim() {
        return !settled && claimed.compareAndSet(false, true);
    }

    /** The route's step is over: the job may be claimed again. */
    void release() {
        claimed.set(false);
    }

    boolean isSettled() {
        return settled;
    }

    /** The batch is over with {@code status}; {@code firstError} (or null) says why it failed. */
    void ended(String status, String firstError) {
        terminalStatus = status;
        if (firstError != null) {
            failureMessage = firstError;
        }
    }

    /** The API refused the job for good: it ends as failed. */
    void refused(String reason) {
        terminalStatus = "failed";
        failureMessage = reason;
    }

    /** Its worst case is reserved under its run's spend cap (released when it settles). */
    void budgetReserved(RunSpend.Reservation reservation) {
        this.budgetReservation = reservation;
    }

    RunSpend.Reservation budgetReservation() {
        return budgetReservation;
    }

    /** The spend cap refused the shard before it was sent: its lines end as budget_exceeded errors. */
    void refusedByBudget(String reason) {
        budgetRefused = true;
        terminalStatus = "failed";
        failureMessage = reason;
    }

    boolean isBudgetRefused() {
        return budgetRefused;
    }

    /** Why the job failed, as its lines' errors will say (or null). */
    String failureMessage() {
        return failureMessage;
    }

    void failWith(String message) {
        failureMessage = message;
    }

    String terminalStatus() {
        return terminalStatus;
    }

    boolean isEnqueued() {
        return enqueued;
    }

    /** Admitted under the enqueued limits: its tokens and requests count until its batch is terminal. */
    void enqueue() {
        holdLogged = false;
        enqueued = true;
    }

    /** Its batch is terminal (or it never got one): its tokens are no longer enqueued. */
    void dequeue() {
        enqueued = false;
    }

    /** Notes that the job is held back; true the first time since it was last admitted (to log it once). */
    boolean noteHeld() {
        if (holdLogged) {
            return false;
        }
        holdLogged = true;
        return true;
    }

    /**
     * The job is ready for its next step but may not take it yet: its wait starts now unless it started before.
     *
     * @return true when the wait starts now
     */
    boolean waitsSince(long nowMs) {
        if (heldSinceMs != 0) {
            return false;
        }
        heldSinceMs = Math.max(1, nowMs);
        return true;
    }

    /**
     * The job's wait is over (it takes its step now, or it is refused): how long it was held back (0 when it was
     * not).
     */
    long heldFor(long nowMs) {
        long since = heldSinceMs;
        heldSinceMs = 0;
        return since == 0 ? 0 : Math.max(1, nowMs - since);
    }

    /** It was held back before this admission. */
    boolean wasHeld() {
        return holdLogged;
    }

    /** The shard index of a custom_id, or -1. */
    synchronized int indexOf(String customId) {
        if (indexByCustomId == null) {
            String[] ids = saved.customIds();
            indexByCustomId = new HashMap<>(ids.length * 2);
            for (int i = 0; i < ids.length; i++) {
                indexByCustomId.put(ids[i], i);
            }
        }
        Integer i = indexByCustomId.get(customId);
        return i == null ? -1 : i;
    }

    /** Marks a shard index as answered ok; false when it already was. */
    synchronized boolean answer(int index) {
        if (answered.get(index)) {
            return false;
        }
        answered.set(index);
        okCount.incrementAndGet();
        return true;
    }

    /** Marks a shard index as answered with an error for good; false when it already had its answer. */
    synchronized boolean closeWithError(int index) {
        if (answered.get(index)) {
            return false;
        }
        answered.set(index);
        return true;
    }

    synchronized boolean isAnswered(int index) {
        return answered.get(index);
    }

    /** The batch answered this shard index with an error. */
    void failed(int index, ErrorInfo error) {
        failures.put(index, error);
    }

    /** Why this shard index has no answer: the batch's own error for it, else {@code otherwise}. */
    ErrorInfo failureOf(int index, ErrorInfo otherwise) {
        return failures.getOrDefault(index, otherwise);
    }

    /** A line without an answer goes the llm.batch.on-failure way. */
    void fellBack() {
        fallbackCount.incrementAndGet();
    }

    long okCount() {
        return okCount.get();
    }

    long fallbackCount() {
        return fallbackCount.get();
    }

    // ------------------------------------------------------------- for the routes' simple expressions

    public String getRunId() {
        return saved.runId();
    }

    public String getShardId() {
        return saved.shardId();
    }

    public String getStage() {
        return saved.stage();
    }

    public String getFileId() {
        return saved.fileId();
    }

    public String getBatchId() {
        return saved.batchId();
    }

    public int getSize() {
        return saved.lines().length;
    }

    public String getTerminalStatus() {
        return terminalStatus;
    }

    @Override
    public String toString() {
        return saved.toString();
    }
}
