package io.github.camelllm.run;

import io.github.camelllm.cost.RunCost;
import io.github.camelllm.cost.RunSpend;
import io.github.camelllm.cost.SpendRules;
import io.github.camelllm.model.PromptResult;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One input file or message batch on its way through the pipeline. Its durable state is its work folder
 * (manifest, journal); everything here can be rebuilt from that folder after a crash. A run owns its completion
 * state: which lines have their result, whether intake read the whole input, whether it still takes calls.
 * What it is and which files it holds are fixed when it opens; its state changes only through its methods.
 */
public final class Run {

    /** How the lines of this run's input are read. */
    public enum Format { JSONL, TEXT }

    /**
     * What a run is, fixed when it opens.
     *
     * @param name            the base name of its outbox files
     * @param input           the input file as it was hashed; null for a message run
     * @param outbox          where its outputs go; null when they go to the output endpoint only
     * @param ordered         its results file is written in input order at the end (not streamed as they come)
     * @param archiveWhenDone service mode: the input moves to the inbox's .done folder once every line has its
     *                        result
     * @param scheduled       a scheduled firing: its outputs are one dated set among the few kept
     * @param lineMap         which line of the run each line of this input is (a run's own input: the same line; a
     *                        failed file dropped in again: the failed lines it holds)
     * @param inputName       the name of the run's input as its summary shows it (its own input's, also when a
     *                        failed file of it is run); null: this input's
     * @param priorWallMs     the wall time of the run's earlier openings that completed (a run run again after it
     *                        completed with errors), counted into its summary's wall time
     */
    record Setup(String id, String name, Format format, InputFiles.Inspected input, Path workDir, Path outbox,
                 long startedAtMillis, boolean ordered, boolean archiveWhenDone, boolean scheduled, LineMap lineMap,
                 String inputName, long priorWallMs) {

        Setup(String id, String name, Format format, InputFiles.Inspected input, Path workDir, Path outbox,
              long startedAtMillis, boolean ordered, boolean archiveWhenDone, boolean scheduled) {
            this(id, name, format, input, workDir, outbox, startedAtMillis, ordered, archiveWhenDone, scheduled,
                    LineMap.IDENTITY, null, 0);
        }

        Path inputPath() {
            return input == null ? null : input.path();
        }

        /** The input's name as the summary shows it. */
        String displayName() {
            return inputName != null ? inputName : input != null ? input.path().getFileName().toString() : name;
        }
    }

    private final Setup setup;
    private final Journal journal;
    /** The streamed results file (llm.output.order=streamed, file runs), or null. Guarded by this. */
    private final FileChannel streamedResults;
    /** The OS locks this process holds on the run (released when the run closes), or null. */
    private final AutoCloseable ownership;

    /** Lines that already have their final result in the journal. Guarded by this. */
    private final BitSet done = new BitSet();
    /** Lines whose latest record at open was an error: this opening sends them again. Guarded by this. */
    private final BitSet retrying = new BitSet();
    /** Lines held by a persisted, unfinished Batch API job; intake skips them. Guarded by this. */
    private final BitSet heldByBatch = new BitSet();
    /** Guarded by this. */
    private long resultCount;
    /** Guarded by this. */
    private boolean closed;

    private final CustomIdSet customIds = new CustomIdSet();
    private final AtomicLong linesSeen = new AtomicLong();
    /** Prompts handed to dispatch in this process (a measure of what can be in flight). */
    private final AtomicLong dispatched = new AtomicLong();
    /** Answers that came in here, journaled or (the journal failing) lost. */
    private final AtomicLong answeredHere = new AtomicLong();
    private volatile boolean intakeDone;
    /** False once the run stopped (storage fault, input changed): no further calls are made for it. */
    private volatile boolean accepting = true;
    private final AtomicBoolean finishing = new AtomicBoolean();
    private final CompletableFuture<RunSummary> completion = new CompletableFuture<>();
    private final Set<String> batchIds = ConcurrentHashMap.newKeySet();
    /** What the run's answers cost, and what its calls in flight may still cost under its cap. */
    private final RunSpend spend;

    /**
     * @param streamedResults the open streamed results file, or null
     * @param ownership       the OS locks held on the run, released when it closes; or null
     */
    Run(Setup setup, Journal journal, FileChannel streamedResults, AutoCloseable ownership) {
        this(setup, journal, streamedResults, ownership, SpendRules.none().newRun());
    }

    /** @param spend the run's ledger: its prices and cap */
    Run(Setup setup, Journal journal, FileChannel streamedResults, AutoCloseable ownership, RunSpend spend) {
        this.setup = setup;
        this.journal = journal;
        this.streamedResults = streamedResults;
        this.ownership = ownership;
        this.spend = spend;
    }

    public String id() {
        return setup.id();
    }

    /** The base name of the run's outbox files: {@code NAME.results.jsonl}, {@code NAME.summary.json}. */
    public String name() {
        return setup.name();
    }

    public Path input() {
        return setup.inputPath();
    }

    public Format format() {
        return setup.format();
    }

    public Path workDir() {
        return setup.workDir();
    }

    public CustomIdSet customIds() {
        return customIds;
    }

    /** The run's ledger: what its answers cost, and its spend cap. */
    public RunSpend spend() {
        return spend;
    }

    /** What the run cost so far. */
    public RunCost cost() {
        return spend.snapshot();
    }

    /**
     * The run's line number of a line of this opening's input: the same number for the run's own input, the line
     * it stands for when the input is a failed file of the run dropped in again; -1 for a line the run does not
     * have.
     */
    public long runLine(long inputLine) {
        return setup.lineMap().runLine(inputLine);
    }

    public CompletableFuture<RunSummary> completion() {
        return completion;
    }

    public boolean accepting() {
        return accepting;
    }

    Setup setup() {
        return setup;
    }

    Path journalFile() {
        return journal.file();
    }

    long linesSeen() {
        return linesSeen.get();
    }

    /** Batch ids of this run known in this process (some may not have answered a line yet). */
    Set<String> batchIds() {
        return batchIds;
    }

    /** The run's input exactly as it was hashed; reading it fails if it was truncated or rewritten meanwhile. */
    public InputStream openInput(InputFiles files) throws IOException {
        InputFiles.Inspected inspected = setup.input();
        return new RunInput(files.open(inspected), id(), inspected.path().getFileName().toString(),
                inspected.stamp().size(), inspected.sha256());
    }

    /** Counts a line read by intake (blank lines excluded). */
    public void lineSeen() {
        linesSeen.incrementAndGet();
    }

    /** Counts a prompt handed to dispatch. */
    public void dispatched() {
        dispatched.incrementAndGet();
    }

    /** How many lines have their final result in the journal. */
    synchronized long resultCount() {
        return resultCount;
    }

    public synchronized boolean isDone(long line) {
        return done.get((int) line);
    }

    public void addBatchId(String batchId) {
        batchIds.add(batchId);
    }

    public synchronized void holdForBatch(long line) {
        heldByBatch.set((int) line);
    }

    public synchronized boolean isHeldByBatch(long line) {
        return heldByBatch.get((int) line);
    }

    /**
     * Marks every line whose latest record in the journal is ok or invalid as done (at open, before any call). A
     * line whose latest record is an error is open: this opening sends it again (an error record followed by a
     * later record of the same line: the later one wins).
     */
    void replayJournal() throws IOException {
        JournalRecords.read(id(), journal.file(), (result, offset, length, line) -> {
            markRetrying(result.line(), PromptResult.ERROR.equals(result.status()));
            if (!PromptResult.ERROR.equals(result.status())) {
                replayed(result.line());
                if (result.ok()) {
                    spend.record(result);
                }
            }
        });
    }

    private synchronized void markRetrying(long lineNumber, boolean error) {
        retrying.set((int) lineNumber, error);
    }

    /**
     * Whether the line ended in an error before this opening: it is sent again through intake, and no Batch API
     * job of an earlier opening holds it any more.
     */
    public synchronized boolean isRetrying(long line) {
        return retrying.get((int) line);
    }

    private synchronized void replayed(long lineNumber) {
        if (!done.get((int) lineNumber)) {
            done.set((int) lineNumber);
            if (setup.lineMap().covers(lineNumber)) {
                resultCount++; // a line this opening's input holds: intake reads it
            }
        }
    }

    /**
     * Journals a final result (and appends it to the streamed results file), and counts what it cost.
     *
     * @return true when this result was the run's last one
     * @throws IOException the journal cannot be written: the caller stops the run
     */
    boolean record(PromptResult result, String json) throws IOException {
        boolean[] journaled = {false};
        boolean last = record(result.line(), json, journaled);
        if (journaled[0]) {
            spend.record(result);
        }
        return last;
    }

    /** As {@link #record(PromptResult, String)}, without counting a cost. */
    synchronized boolean record(long lineNumber, String json) throws IOException {
        return record(lineNumber, json, new boolean[1]);
    }

    private synchronized boolean record(long lineNumber, String json, boolean[] journaled) throws IOException {
        int line = (int) lineNumber;
        if (done.get(line)) {
            return false;
        }
        journal.append(json);
        if (streamedResults != null) {
            ByteBuffer buffer = ByteBuffer.wrap((json + "\n").getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                streamedResults.write(buffer);
            }
        }
        done.set(line);
        resultCount++;
        answeredHere.incrementAndGet();
        journaled[0] = true;
        return isComplete();
    }

    /** An answer came in that could not be journaled: it is lost, and no longer outstanding. */
    void answerLost() {
        answeredHere.incrementAndGet();
    }

    /** Stops taking calls; false when the run had stopped already. */
    synchronized boolean markStopped() {
        if (!accepting) {
            return false;
        }
        accepting = false;
        return true;
    }

    /** Intake read the last line; true when every line already has its result. */
    synchronized boolean markIntakeDone() {
        intakeDone = true;
        return isComplete();
    }

    synchronized boolean isComplete() {
        return intakeDone && accepting && resultCount >= linesSeen.get();
    }

    /** True once, for the caller that writes the run's outputs; false when it stopped or another caller does. */
    boolean beginFinishing() {
        return accepting && finishing.compareAndSet(false, true);
    }

    /** Prompts handed to dispatch here that have no result yet (queued or in flight). */
    long outstanding() {
        return Math.max(0, dispatched.get() - answeredHere.get());
    }

    /** Closes the journal and the streamed results file, so the outputs can be written from them. */
    synchronized void closeFiles() throws IOException {
        journal.close();
        if (streamedResults != null) {
            streamedResults.close();
        }
    }

    /** The run is over with its outputs written. */
    void completed(RunSummary summary) {
        completion.complete(summary);
    }

    /** The run ended without its outputs (stopped, or they could not be written). */
    void failed(Throwable cause) {
        completion.completeExceptionally(cause);
    }

    /** Lets go of the run's files and locks (its work folder stays, so it can be resumed). */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            closeFiles();
        } catch (IOException e) {
            // nothing is lost: every counted result was already written
        }
        if (ownership != null) {
            try {
                ownership.close();
            } catch (Exception e) {
                // an OS lock also ends with its channel or its process
            }
        }
    }
}
