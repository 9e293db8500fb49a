package io.github.camelllm.run;


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
     */
    record Setup(String id, String name, Format format, InputFiles.Inspected input, Path workDir, Path outbox,
                 long startedAtMillis, boolean ordered, boolean archiveWhenDone, boolean scheduled) {

        Path inputPath() {
            return input == null ? null : input.path();
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

    /**
     * @param streamedResults the open streamed results file, or null
     * @param ownership       the OS locks held on the run, released when it closes; or null
     */
    Run(Setup setup, Journal journal, FileChannel streamedResults, AutoCloseable ownership) {
        this.setup = setup;
        this.journal = journal;
        this.streamedResults = streamedResults;
        this.ownership = ownership;
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

    /** Lines intake has read so far (blank lines excluded): the run's size once {@link #intakeComplete()}. */
    public long linesRead() {
        return linesSeen.get();
    }

    /** Whether intake has read the whole input. */
    public boolean intakeComplete() {
        return intakeDone;
    }

    /** Lines with their final result in the journal, those of earlier attempts of the run included. */
    public long resultsRecorded() {
        return resultCount();
    }

    /** Prompts handed to dispatch in this process that have no result yet (queued, waiting or in flight). */
    public long pending() {
        return outstanding();
    }

    /** When the run opened, ms since the epoch. */
    public long startedAtMillis() {
        return setup.startedAtMillis();
    }

    /** How many Batch API jobs of this run this process knows of. */
    public int batchJobs() {
        return batchIds.size();
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

    /** Marks every line that has a usable result in the journal as done (at open, before any call). */
    void replayJournal() throws IOException {
        JournalRecords.read(id(), journal.file(), (result, offset, length, line) -> replayed(result.line()));
    }

    private synchronized void replayed(long lineNumber) {
        if (!done.get((int) lineNumber)) {
            done.set((int) lineNumber);
            resultCount++;
        }
    }

    /**
     * Journals a final result (and appends it to the streamed results file).
     *
     * @return true when this result was the run's last one
     * @throws IOException the journal cannot be written: the caller stops the run
     */
    synchronized boolean record(long lineNumber, String json) throws IOException {
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
