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
 */
public final class Run {

    /** How the lines of this run's input are read. */
    public enum Format { JSONL, TEXT }

    final String id;
    final String name;
    final Path input;
    final Format format;
    final Path workDir;
    final Journal journal;
    final boolean ordered;
    final Path outbox;
    final long startedAtMillis;
    /** The input as it was hashed (file runs only). */
    final InputFiles.Inspected inspected;
    /** Lines that already have their final result in the journal. Guarded by this. */
    final BitSet done = new BitSet();
    long resultCount;
    FileChannel streamedResults;
    /** The OS locks this process holds on the run (released when the run closes). */
    private AutoCloseable ownership;
    private boolean closed;

    final CustomIdSet customIds = new CustomIdSet();
    final AtomicLong linesSeen = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    /** Prompts handed to dispatch in this process (a measure of what can be in flight). */
    final AtomicLong dispatched = new AtomicLong();
    final AtomicLong recordedHere = new AtomicLong();
    volatile boolean intakeDone;
    /** False once the run stopped (storage fault, input changed): no further calls are made for it. */
    volatile boolean accepting = true;
    final AtomicBoolean finishing = new AtomicBoolean();
    final CompletableFuture<RunSummary> completion = new CompletableFuture<>();
    final Set<String> batchIds = ConcurrentHashMap.newKeySet();
    /** Service mode: move the input to the inbox's .done folder once every line has its result. */
    volatile boolean archiveWhenDone;
    /** A scheduled firing: its outputs are one dated set among the few kept. */
    volatile boolean scheduled;

    Run(String id, String name, Path input, Format format, Path workDir, Journal journal, boolean ordered,
        Path outbox, long startedAtMillis, InputFiles.Inspected inspected) {
        this.id = id;
        this.name = name;
        this.input = input;
        this.format = format;
        this.workDir = workDir;
        this.journal = journal;
        this.ordered = ordered;
        this.outbox = outbox;
        this.startedAtMillis = startedAtMillis;
        this.inspected = inspected;
    }

    public String id() {
        return id;
    }

    /** The base name of the run's outbox files: {@code NAME.results.jsonl}, {@code NAME.summary.json}. */
    public String name() {
        return name;
    }

    public Path input() {
        return input;
    }

    public Format format() {
        return format;
    }

    public Path workDir() {
        return workDir;
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

    /** The run's input exactly as it was hashed; reading it fails if it was truncated or rewritten meanwhile. */
    public InputStream openInput(InputFiles files) throws IOException {
        return new RunInput(files.open(inspected), id, input.getFileName().toString(), inspected.stamp().size(),
                inspected.sha256());
    }

    /** Counts a line read by intake (blank lines excluded). */
    public void lineSeen() {
        linesSeen.incrementAndGet();
    }

    /** Counts a prompt handed to dispatch. */
    public void dispatched() {
        dispatched.incrementAndGet();
    }

    public synchronized boolean isDone(long line) {
        return done.get((int) line);
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
        recordedHere.incrementAndGet();
        return isComplete();
    }

    /** Replays one journaled line at open. */
    synchronized void replayed(long lineNumber) {
        if (!done.get((int) lineNumber)) {
            done.set((int) lineNumber);
            resultCount++;
        }
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

    void owned(AutoCloseable locks) {
        this.ownership = locks;
    }

    /** Lets go of the run's files and locks (its work folder stays, so it can be resumed). */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            journal.close();
            if (streamedResults != null) {
                streamedResults.close();
            }
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

    /** Prompts handed to dispatch here that have no result yet (queued or in flight). */
    long outstanding() {
        return Math.max(0, dispatched.get() - recordedHere.get());
    }

    public void addBatchId(String batchId) {
        batchIds.add(batchId);
    }

    // --- batch: lines held by a persisted, unfinished Batch API job; intake skips them ---
    /** Guarded by this. */
    private final BitSet heldByBatch = new BitSet();

    public synchronized void holdForBatch(long line) {
        heldByBatch.set((int) line);
    }

    public synchronized boolean isHeldByBatch(long line) {
        return heldByBatch.get((int) line);
    }
    // --- end batch ---
}
