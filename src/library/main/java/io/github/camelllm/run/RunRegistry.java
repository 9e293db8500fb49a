package io.github.camelllm.run;

import io.github.camelllm.config.OnDuplicate;
import io.github.camelllm.cost.RunCost;
import io.github.camelllm.cost.RunSpend;
import io.github.camelllm.cost.SpendListener;
import io.github.camelllm.cost.SpendRules;
import io.github.camelllm.config.OutputOrder;
import io.github.camelllm.model.LinesInFlight;
import io.github.camelllm.model.PromptResult;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The runs of one pipeline, as its stages see them: opens (or resumes) a run when this process can own it
 * ({@link RunOpener}), records each final result durably ({@link RunRecorder}), ends a run that has every result
 * it will get ({@link RunFinisher}) or stops one that cannot go on ({@link StoppedRuns}).
 * <p>
 * Ownership is a pair of OS locks ({@link RunClaim}) held from open to end: another process (a second instance
 * on a shared volume, an overlapping {@code run FILE}) never writes to a run it does not hold, and a dead
 * owner's locks vanish with it.
 */
public final class RunRegistry {

    private final Path workRoot;
    private final InputFiles inputs;
    private final ActiveRuns active = new ActiveRuns();
    private final RecentRuns recent = new RecentRuns();
    private final StoppedRuns stopped;
    private final RunOutputs outputs;
    private final RunOpener opener;
    private final RunRecorder recorder;
    private final LinesInFlight linesInFlight = new LinesInFlight();
    private final RunFinisher finisher;

    /** Tuning of the registry. */
    /** @param resultLines how results read in the results file (llm.output.format) */
    public record Options(boolean fsync, boolean followSymlinks, Duration retryBroken, Duration stopGrace,
                          int scheduledKeep, ResultLines resultLines) {

        public Options {
            resultLines = resultLines == null ? ResultLines.PIPELINE : resultLines;
        }

        public Options(boolean fsync, boolean followSymlinks, Duration retryBroken, Duration stopGrace,
                       int scheduledKeep) {
            this(fsync, followSymlinks, retryBroken, stopGrace, scheduledKeep, ResultLines.PIPELINE);
        }

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
        this(workRoot, outbox, outputOrder, onDuplicate, options, simulated, SpendRules.none());
    }

    /** @param spendRules the prices each run's cost is worked out at, and its spend cap */
    public RunRegistry(Path workRoot, Path outbox, OutputOrder outputOrder, OnDuplicate onDuplicate, Options options,
                       boolean simulated, SpendRules spendRules) {
        this.workRoot = workRoot;
        this.inputs = new InputFiles(options.followSymlinks());
        this.stopped = new StoppedRuns(active, options.stopGrace().toMillis(), options.retryBroken().toMillis());
        this.outputs = new RunOutputs(simulated, spendRules, options.resultLines());
        this.finisher = new RunFinisher(active, recent, outputs, stopped, options.scheduledKeep());
        this.opener = new RunOpener(this.workRoot, outbox, outputOrder == OutputOrder.ORDERED,
                onDuplicate == OnDuplicate.RERUN, options.fsync(), inputs, active, recent, stopped, finisher,
                spendRules, options.resultLines());
        this.recorder = new RunRecorder(active, stopped, new ClosedRunResults(workRoot, active, options.fsync(),
                options.stopGrace().toMillis()), simulated);
    }

    public Path workRoot() {
        return workRoot;
    }

    /** The lines this instance is calling right now: intake does not send them again. */
    public LinesInFlight linesInFlight() {
        return linesInFlight;
    }

    public InputFiles inputs() {
        return inputs;
    }

    /** An active run of this process. */
    public Run get(String runId) {
        Run run = active.find(runId);
        if (run == null) {
            throw new IllegalStateException("no active run " + runId);
        }
        return run;
    }

    /** An active run of this process, or null. */
    public Run find(String runId) {
        return active.find(runId);
    }

    /** The runs in progress in this process. */
    public List<Run> active() {
        return active.all();
    }

    public int activeRuns() {
        return active.size();
    }

    /**
     * How a run ends: its completion, whether it is in progress, finished, stopped or was written again from its
     * journal; null for a run this process never opened (or opened long ago).
     */
    public CompletableFuture<RunSummary> completionOf(String runId) {
        Run run = active.find(runId);
        return run != null ? run.completion() : recent.completionOf(runId);
    }

    /**
     * What a run cost so far: the live snapshot of a run in progress here (tokens and USD per route, what is
     * reserved under its cap), the summary's of a recently finished one; null for a run unknown here.
     */
    public RunCost costOf(String runId) {
        Run run = active.find(runId);
        if (run != null) {
            return run.cost();
        }
        RunSummary summary = recent.summaryOf(runId);
        return summary == null ? null : summary.cost();
    }

    /** The ledger of a run in progress here (what the spend cap asks), or null for a run owned elsewhere. */
    public RunSpend spendOf(String runId) {
        Run run = runId == null ? null : active.find(runId);
        return run == null ? null : run.spend();
    }

    /** The summary of a recently finished run, or null. */
    public RunSummary lastSummary(String runId) {
        return recent.summaryOf(runId);
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
        Run run = active.find(runId);
        return run != null ? run.accepting() : !stopped.isStopped(runId);
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
        return opener.openFile(file, archiveWhenDone, scheduled);
    }

    /**
     * Accepts a message: persisted in a work folder of its own before this returns (so the sender may be told it
     * is taken), and its run opened; a message accepted before (a redelivery) resumes its run instead.
     *
     * @return the run; null when the message is taken care of already (run here, answered, or held elsewhere)
     */
    public Run acceptMessage(MessageInput message) throws IOException {
        return opener.openMessage(message);
    }

    /** Resumes the run of a message accepted before a restart; null when there is nothing to resume here. */
    public Run reopenMessage(String runId) throws IOException {
        return opener.reopenMessage(runId);
    }

    /** The message runs a start resumes: accepted, not complete, not run here. */
    public List<String> messageRunsToResume() throws IOException {
        return opener.messageRunsToResume();
    }

    /** The work folder of a run (it may not exist). */
    public Path workDirOf(String runId) {
        return workRoot.resolve(runId);
    }

    /** The journal of a run (it may not exist). */
    public Path journalOf(String runId) {
        return workDirOf(runId).resolve(RunStore.JOURNAL);
    }

    /** Whether the run has completed with its outputs written (its summary is in its work folder). */
    public boolean completed(String runId) {
        return RunStore.completed(workDirOf(runId));
    }

    /** The accepted message of a message run (from its work folder), or null. */
    public MessageInput messageOf(String runId) throws IOException {
        Run run = active.find(runId);
        return run != null ? run.message() : MessageInput.read(workDirOf(runId));
    }

    /** The runs whose results are owed to the host ({@link DeliveryCursor}), by the work folders that say so. */
    public List<String> owingDelivery() throws IOException {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(workRoot)) {
            return ids;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(workRoot, Files::isDirectory)) {
            for (Path dir : dirs) {
                if (DeliveryCursor.owed(dir)) {
                    ids.add(dir.getFileName().toString());
                }
            }
        }
        ids.sort(null);
        return ids;
    }

    /**
     * A completed run's results are all with the host: a message run's work folder goes (nothing is left to
     * resume), a file run's keeps its journal (it answers a rerun of the same content) and loses its cursor.
     */
    public void release(String runId) throws IOException {
        Path workDir = workDirOf(runId);
        if (!RunStore.completed(workDir) || active.find(runId) != null) {
            return;
        }
        if (Files.exists(workDir.resolve(MessageInput.FILE))) {
            InboxFiles.deleteTree(workDir);
        } else {
            DeliveryCursor.end(workDir);
        }
    }

    /**
     * Appends a final result to its run's journal (and the streamed results file).
     *
     * @return true when this result was the run's last one
     */
    public boolean record(PromptResult result) throws IOException {
        return recorder.record(result, recorder.toJson(result));
    }

    /**
     * As {@link #record(PromptResult)}, with the result's JSON already made.
     *
     * @throws RunStorageException the journal cannot be written: the run has stopped
     */
    public boolean record(PromptResult result, String json) throws IOException {
        return recorder.record(result, json);
    }

    /** A result's JSON line as this pipeline writes it (marked when the answers are simulated). */
    public String toJson(PromptResult result) {
        return recorder.toJson(result);
    }

    /**
     * Called by intake after the last line of the input was read; true when the run is already complete, false
     * too when it stopped meanwhile.
     */
    public boolean intakeDone(String runId) {
        Run run = active.find(runId);
        return run != null && run.markIntakeDone();
    }

    /** Where a run's summary learns what rate limits did to it (the call gate, which is built after the runs). */
    public void reportRateLimitsWith(Function<String, RunSummary.RateLimits> source) {
        outputs.reportRateLimitsWith(source);
    }

    /**
     * Where each run opened from now on reports what each answer it records cost (the cost meter): the same
     * amount its ledger adds to its total.
     */
    public void reportSpendingTo(SpendListener listener) {
        opener.reportSpendingTo(listener);
    }

    /** Writes the ordered results, failed-lines file and summary; completes the run (once). */
    public RunSummary finish(String runId) throws IOException {
        return finisher.finish(runId);
    }

    /**
     * Stops a run: no further calls are made for it, it completes with {@code cause}, and the answers of calls
     * already in flight are still journaled when they come (its work folder stays, so it resumes later).
     */
    public void stop(String runId, Throwable cause) {
        stopped.stop(runId, cause);
    }

    /**
     * The pipeline stopped: every run still open here lets go of its files and locks (their work folders stay,
     * so the next start resumes them).
     */
    public void close() {
        for (Run run : active.all()) {
            active.remove(run);
            run.close();
        }
        stopped.closeAll();
    }
}
