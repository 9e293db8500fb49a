package io.github.camelllm.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.config.OnDuplicate;
import io.github.camelllm.config.OutputOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The runs in progress in this process: opens (or resumes) a run when this process can own it, records each
 * final result durably, and tells the routes when a run has every result it will get, or has stopped.
 * <p>
 * Ownership is a pair of OS locks ({@link RunClaim}) held from open to end: another process (a second instance
 * on a shared volume, an overlapping {@code run FILE}) never writes to a run it does not hold, and a dead
 * owner's locks vanish with it.
 */
public final class RunRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(RunRegistry.class);

    private final Path workRoot;
    private final Path outbox;
    private final boolean ordered;
    private final boolean rerunDuplicates;
    private final boolean fsync;
    private final int scheduledKeep;
    private final InputFiles inputs;
    private final StoppedRuns stopped;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    /** Input paths of the runs in progress here (absolute), with their run ids. */
    private final Map<Path, String> inputsInProgress = new ConcurrentHashMap<>();
    private final boolean simulated;
    private final RunFinisher finisher;
    /** Completions of recent runs (finished, stopped or written again), for callers that ask after the fact. */
    private final Map<String, CompletableFuture<RunSummary>> recent = lru();
    /** Summaries of recently finished runs, for callers that ask after the fact. */
    private final Map<String, RunSummary> finished = lru();

    /** Tuning of the registry. */
    public record Options(boolean fsync, boolean followSymlinks, Duration retryBroken, Duration stopGrace,
                          int scheduledKeep) {
        public static Options defaults() {
            return new Options(false, false, Duration.ofMinutes(1), Duration.ofSeconds(30), 30);
        }
    }

    /**
     * @param workRoot    folder holding one work folder per run
     * @param outbox      where file runs write NAME.results.jsonl and NAME.summary.json
     * @param outputOrder the order of the results file
     * @param onDuplicate what to do with an input whose content already completed a run
     */
    public RunRegistry(Path workRoot, Path outbox, OutputOrder outputOrder, OnDuplicate onDuplicate) {
        this(workRoot, outbox, outputOrder, onDuplicate, Options.defaults(), false);
    }

    /** @param simulated the answers come from the built-in simulator: every result and summary says so */
    public RunRegistry(Path workRoot, Path outbox, OutputOrder outputOrder, OnDuplicate onDuplicate, Options options,
                       boolean simulated) {
        this.simulated = simulated;
        this.finisher = new RunFinisher(simulated);
        this.outbox = outbox;
        this.workRoot = workRoot;
        this.ordered = outputOrder == OutputOrder.ORDERED;
        this.rerunDuplicates = onDuplicate == OnDuplicate.RERUN;
        this.fsync = options.fsync();
        this.scheduledKeep = options.scheduledKeep();
        this.inputs = new InputFiles(options.followSymlinks());
        this.stopped = new StoppedRuns(options.stopGrace().toMillis(), options.retryBroken().toMillis());
    }

    public Path workRoot() {
        return workRoot;
    }

    public InputFiles inputs() {
        return inputs;
    }

    public Run get(String runId) {
        Run run = runs.get(runId);
        if (run == null) {
            throw new IllegalStateException("no active run " + runId);
        }
        return run;
    }

    public Run find(String runId) {
        return runs.get(runId);
    }

    /**
     * How a run ends: its completion, whether it is in progress, finished, stopped or was written again from its
     * journal; null for a run this process never opened.
     */
    public CompletableFuture<RunSummary> completionOf(String runId) {
        Run run = runs.get(runId);
        return run != null ? run.completion : recent.get(runId);
    }

    /**
     * Whether calls may still be made for this run: false once it stopped (its journal cannot be written, its
     * input changed). Unknown runs (owned by another instance) are accepted: their owner decides. Cheap enough
     * to ask before every call.
     */
    public boolean accepting(String runId) {
        if (runId == null) {
            return true;
        }
        Run run = runs.get(runId);
        return run != null ? run.accepting : !stopped.isStopped(runId);
    }

    /**
     * Opens the run of an input file, resuming it when its work folder has a journal.
     *
     * @return the run; a run that is already complete (its content completed a run before: its outputs were
     * written again from the journal, nothing is called); or null when this process runs that input right now
     * @throws RunBusyException another process owns the run or the input, or the file is still changing
     */
    public Run openFile(Path file, boolean archiveWhenDone) throws IOException, UnreadableInputException,
            RunBusyException {
        return openFile(file, archiveWhenDone, false);
    }

    /**
     * As above; {@code scheduled} runs completed content again whatever llm.inbox.on-duplicate says, with one
     * dated output set per firing.
     */
    public Run openFile(Path file, boolean archiveWhenDone, boolean scheduled) throws IOException,
            UnreadableInputException, RunBusyException {
        InputFiles.Inspected input = inputs.inspect(file, !archiveWhenDone);
        String runId = input.runId();
        Path key = file.toAbsolutePath().normalize();
        if (runs.containsKey(runId) || inputsInProgress.containsKey(key)) {
            LOG.debug("{} is being run here (run {}): not started twice", file, inputsInProgress.get(key));
            return null;
        }
        if (stopped.isDraining(runId) || (archiveWhenDone && stopped.inBackoff(runId))) {
            return null; // stopped recently (service mode: tried again later)
        }
        RunClaim claim;
        try {
            claim = RunClaim.take(workRoot, file, runId);
        } catch (IOException e) {
            throw storageFault(runId, workRoot, e);
        }
        try {
            if (!input.stamp().equals(InputStamp.current(file))) {
                throw new RunBusyException(file + " changed since it was looked at");
            }
            Run run = openOwned(input, runId, workRoot.resolve(runId), archiveWhenDone, scheduled);
            run.owned(claim::release);
            if (run.completion.isDone()) {
                run.close();
            }
            return run;
        } catch (IOException | RunBusyException | RuntimeException e) {
            claim.release();
            throw e;
        }
    }

    private Run openOwned(InputFiles.Inspected input, String runId, Path workDir, boolean archiveWhenDone,
                          boolean scheduled) throws IOException {
        Path file = input.path();
        String base = Outbox.baseName(file.getFileName().toString());
        if (RunStore.completed(workDir)) {
            if (!rerunDuplicates && !scheduled) {
                return replay(input, runId, base, workDir, archiveWhenDone);
            }
            LOG.info("{} repeats completed run {}: running it again ({})", file.getFileName(), runId,
                    scheduled ? "scheduled" : "llm.inbox.on-duplicate=rerun");
            // keep the last completed run of this content for reference, not one folder per rerun (a nightly
            // schedule would otherwise fill the disk)
            RunStore.rotateCompleted(workDir);
        }
        try {
            RunStore.probe(runId, workDir);
        } catch (RunStorageException e) {
            stopped.broken(runId);
            throw e;
        }
        boolean fresh = !Files.exists(workDir.resolve(RunStore.JOURNAL));
        JsonNode manifest = RunStore.manifest(workDir, runId, base, file, input.format(), input.sha256());
        long startedAt = manifest.path("started_at_ms").asLong(System.currentTimeMillis());
        String name = scheduled ? Outbox.dated(base, startedAt) : base;
        Run run = open(runId, name, file, input.format(), workDir, outbox, startedAt, input);
        run.archiveWhenDone = archiveWhenDone;
        run.scheduled = scheduled;
        stopped.reopened(runId);
        inputsInProgress.put(file.toAbsolutePath().normalize(), runId);
        LOG.info("run {} {} {} ({} lines already done)", runId, fresh ? "starts" : "resumes",
                file.getFileName(), run.resultCount);
        return run;
    }

    /** Content that completed a run before: its outputs are written again from its journal; nothing is called. */
    private Run replay(InputFiles.Inspected input, String runId, String name, Path workDir, boolean archive)
            throws IOException {
        Path file = input.path();
        long startedAt = RunStore.manifest(workDir, runId, name, file, input.format(), input.sha256())
                .path("started_at_ms").asLong(System.currentTimeMillis());
        Journal journal = new Journal(workDir.resolve(RunStore.JOURNAL));
        Run run = new Run(runId, name, file, input.format(), workDir, journal, true, outbox, startedAt, input);
        RunSummary summary;
        try {
            summary = finisher.finish(run, RunStore.recordedWallMs(workDir));
        } finally {
            journal.close();
        }
        LOG.info("{} has the same content (sha256 {}) as completed run {}: its outputs were written again from "
                + "its journal, nothing was called (set llm.inbox.on-duplicate=rerun to call again)",
                file.getFileName(), input.sha256(), runId);
        finished.put(runId, summary);
        if (archive) {
            InboxFiles.moveToDone(file);
        }
        run.completion.complete(summary);
        recent.put(runId, run.completion);
        return run;
    }

    /** Opens a run for the prompts of one message; its results go to the output endpoint only. */
    public Run openMessages(Run.Format format) throws IOException {
        String runId = "msg-" + UUID.randomUUID();
        Path workDir = workRoot.resolve(runId);
        OwnerLock lock = OwnerLock.tryAcquire(workDir.resolve(RunStore.LOCK));
        Run run = open(runId, runId, null, format, workDir, null, System.currentTimeMillis(), null);
        run.owned(lock);
        return run;
    }

    private Run open(String runId, String name, Path input, Run.Format format, Path workDir, Path outboxDir,
                     long startedAt, InputFiles.Inspected inspected) throws IOException {
        Files.createDirectories(workDir);
        Journal journal;
        try {
            journal = new Journal(workDir.resolve(RunStore.JOURNAL), fsync);
        } catch (IOException e) {
            throw storageFault(runId, workDir, e);
        }
        Run run = new Run(runId, name, input, format, workDir, journal, ordered, outboxDir, startedAt, inspected);
        JournalRecords.read(runId, journal.file(), (result, offset, length, line) -> run.replayed(result.line()));
        if (!ordered && outboxDir != null) {
            Outbox.claim(outboxDir, name, runId);
            Path results = outboxDir.resolve(name + ".results.jsonl");
            // a crash can leave the streamed file behind the journal: rebuild it from the journal
            RunStore.copyJournal(runId, journal.file(), results);
            run.streamedResults = FileChannel.open(results, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        runs.put(runId, run);
        recent.put(runId, run.completion);
        return run;
    }

    /**
     * Appends a final result to its run's journal (and the streamed results file).
     *
     * @return true when this result was the run's last one
     */
    public boolean record(PromptResult result) throws IOException {
        return record(result, toJson(result));
    }

    /** A result's JSON line as this pipeline writes it (marked when the answers are simulated). */
    public String toJson(PromptResult result) {
        return ResultJson.write(result, simulated);
    }

    /**
     * As {@link #record(PromptResult)}, with the result's JSON already made.
     *
     * @throws RunStorageException the journal cannot be written: the run has stopped
     */
    public boolean record(PromptResult result, String json) throws IOException {
        Run run = runs.get(result.runId());
        if (run == null) {
            if (!stopped.recordLate(result, json)) {
                LOG.warn("result for line {} of run {} arrived after the run ended: ignored", result.line(),
                        result.runId());
            }
            return false;
        }
        try {
            boolean complete = run.record(result.line(), json);
            if (!run.accepting) {
                stopped.settle(run); // the run stopped while this answer was on its way
            }
            return complete;
        } catch (IOException e) {
            RunStorageException fault = storageFault(run.id, run.journal.file(), e);
            run.recordedHere.incrementAndGet(); // its answer is in (and lost): not outstanding any more
            stopped.broken(run.id);
            stop(run.id, fault);
            stopped.settle(run);
            throw fault;
        }
    }

    private static RunStorageException storageFault(String runId, Path path, IOException e) {
        if (e instanceof RunStorageException fault) {
            return fault;
        }
        String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (cause.contains("No space left")) {
            cause = "the disk is full (" + cause + ")";
        }
        return new RunStorageException("run " + runId + " cannot write " + path + ": " + cause, e);
    }

    /**
     * Called by intake after the last line of the input was read; true when the run is already complete, false
     * too when it stopped meanwhile.
     */
    public boolean intakeDone(String runId) {
        Run run = runs.get(runId);
        return run != null && run.markIntakeDone();
    }

    /** Where a run's summary learns what rate limits did to it (the call gate, which is built after the runs). */
    public void reportRateLimitsWith(Function<String, RunSummary.RateLimits> source) {
        finisher.reportRateLimitsWith(source);
    }

    /** Writes the ordered results, failed-lines file and summary; completes the run (once). */
    public RunSummary finish(String runId) throws IOException {
        Run run = runs.get(runId);
        if (run == null || !run.accepting || !run.finishing.compareAndSet(false, true)) {
            return null;
        }
        try {
            synchronized (run) {
                run.journal.close();
                if (run.streamedResults != null) {
                    run.streamedResults.close();
                }
            }
            RunSummary summary = finisher.finish(run, -1);
            finished.put(runId, summary);
            end(run);
            if (run.scheduled) {
                Outbox.prune(run.outbox, Outbox.baseName(run.input.getFileName().toString()), scheduledKeep);
            }
            InboxFiles.archive(run);
            if (run.input == null) {
                InboxFiles.deleteTree(run.workDir); // message runs are not resumed from disk
            }
            run.close();
            run.completion.complete(summary);
            return summary;
        } catch (IOException | RuntimeException e) {
            end(run);
            run.close();
            run.completion.completeExceptionally(e);
            throw e;
        }
    }

    private void end(Run run) {
        runs.remove(run.id, run);
        if (run.input != null) {
            inputsInProgress.remove(run.input.toAbsolutePath().normalize(), run.id);
        }
    }

    /**
     * Stops a run: no further calls are made for it, it completes with {@code cause}, and the answers of calls
     * already in flight are still journaled when they come (its work folder stays, so it resumes later).
     */
    public void stop(String runId, Throwable cause) {
        Run run = runs.get(runId);
        if (run == null || !run.markStopped()) {
            return; // not here, or stopped already (by another thread's failed write)
        }
        String message = cause.getMessage() + "; no further calls are made for this run (" + run.outstanding()
                + " of its calls were queued or in flight)";
        LOG.error("run {} stopped: {}", runId, message);
        if (cause instanceof InputChangedException && run.archiveWhenDone) {
            try {
                InboxFiles.moveToFailed(run.input, cause.getMessage() + "; its results so far stay in " + run.workDir);
            } catch (IOException e) {
                LOG.warn("cannot move {} to .failed: {}", run.input, e.getMessage());
            }
        }
        stopped.add(run); // before it leaves the active runs: an answer arriving now is still journaled
        end(run);
        run.completion.completeExceptionally(cause instanceof RunStorageException
                ? new RunStorageException(message, cause.getCause()) : new IOException(message, cause));
    }

    /** Kept for callers that fail a run that could not be read to its end. */
    public void abort(String runId, Throwable cause) {
        stop(runId, cause);
    }

    /**
     * The pipeline stopped: every run still open here lets go of its files and locks (their work folders stay,
     * so the next start resumes them).
     */
    public void close() {
        for (Run run : List.copyOf(runs.values())) {
            end(run);
            run.close();
        }
        stopped.closeAll();
    }

    public RunSummary lastSummary(String runId) {
        return finished.get(runId);
    }

    public int activeRuns() {
        return runs.size();
    }

    /** Used by InboxFiles for its error notes: the outbox base name of an input. */
    static String outboxName(String fileName) {
        return Outbox.baseName(fileName);
    }

    private static <V> Map<String, V> lru() {
        return Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > 256;
            }
        });
    }
}
