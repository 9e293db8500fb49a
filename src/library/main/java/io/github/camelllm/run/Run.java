package io.github.camelllm.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
import java.util.Arrays;
import java.util.BitSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One input file or message batch on its way through the pipeline. Its durable state is its work folder
 * (manifest, journal); everything here can be rebuilt from that folder after a crash. A run owns its completion
 * state: which lines have their result, whether intake read the whole input, whether it still takes calls.
 * What it is and which files it holds are fixed when it opens; its state changes only through its methods.
 */
public final class Run {

    private static final Logger LOG = LoggerFactory.getLogger(Run.class);
    /** Foreign journal records named one by one in the log; beyond this, only their number. */
    private static final int FOREIGN_WARNINGS = 10;

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
     * @param message         the accepted message of a message run (persisted in its work folder); null for a file
     * @param lineMap         which line of the run each line of this input is (a run's own input: the same line; a
     *                        failed file dropped in again: the failed lines it holds)
     * @param inputName       the name of the run's input as its summary shows it (its own input's, also when a
     *                        failed file of it is run); null: this input's
     * @param priorWallMs     the wall time of the run's earlier openings that completed (a run run again after it
     *                        completed with errors), counted into its summary's wall time
     */
    record Setup(String id, String name, Format format, InputFiles.Inspected input, Path workDir, Path outbox,
                 long startedAtMillis, boolean ordered, boolean archiveWhenDone, boolean scheduled,
                 MessageInput message, LineMap lineMap, String inputName, long priorWallMs) {

        Setup(String id, String name, Format format, InputFiles.Inspected input, Path workDir, Path outbox,
              long startedAtMillis, boolean ordered, boolean archiveWhenDone, boolean scheduled,
              MessageInput message) {
            this(id, name, format, input, workDir, outbox, startedAtMillis, ordered, archiveWhenDone, scheduled,
                    message, LineMap.IDENTITY, null, 0);
        }

        Setup(String id, String name, Format format, InputFiles.Inspected input, Path workDir, Path outbox,
              long startedAtMillis, boolean ordered, boolean archiveWhenDone, boolean scheduled) {
            this(id, name, format, input, workDir, outbox, startedAtMillis, ordered, archiveWhenDone, scheduled,
                    null);
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
    private final ResultLines resultLines;
    /** The OS locks this process holds on the run (released when the run closes), or null. */
    private final AutoCloseable ownership;

    /** Lines that already have their final result in the journal. Guarded by this. */
    private final BitSet done = new BitSet();
    /** Lines whose latest record at open was an error: this opening sends them again. Guarded by this. */
    private final BitSet retrying = new BitSet();
    /** Lines held by a persisted, unfinished Batch API job; intake skips them. Guarded by this. */
    private final BitSet heldByBatch = new BitSet();
    /** By line: the custom id (hashed) of the journal's record, read at open. Guarded by this. */
    private int[] journalIds = new int[0];
    /** By line: the custom id (hashed) the input gives the line, as intake reads it. Guarded by this. */
    private int[] inputIds = new int[0];
    /** The lines intake has read (their custom id is in inputIds). Guarded by this. */
    private final BitSet inputLines = new BitSet();
    /** Intake read the whole input here: every record can be checked against it. Guarded by this. */
    private boolean inputRead;
    /** Journal records found not to belong to this input. Guarded by this. */
    private long foreignRecords;
    /** Guarded by this. */
    private long resultCount;
    /** Guarded by this. */
    private boolean closed;

    private final CustomIdSet customIds = new CustomIdSet();
    private volatile boolean resumed;
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
    /** Batch shards of the run this process held back before their upload or creation, and for how long. */
    private final AtomicLong batchShardsHeld = new AtomicLong();
    private final AtomicLong batchHeldTotalMs = new AtomicLong();
    private final AtomicLong batchHeldLongestMs = new AtomicLong();
    /** Batch shards of the run held back right now. */
    private final AtomicInteger batchShardsWaiting = new AtomicInteger();
    /** When this process opened the run: a resumed run's own wall time counts from here. */
    private volatile long openedAtMillis = System.currentTimeMillis();
    /** The journal's length when this process opened the run: records past it were answered here. */
    private final long journalStart;
    /** What the run's answers cost, and what its calls in flight may still cost under its cap. */
    private final RunSpend spend;

    /**
     * @param streamedResults the open streamed results file, or null
     * @param ownership       the OS locks held on the run, released when it closes; or null
     */
    Run(Setup setup, Journal journal, FileChannel streamedResults, AutoCloseable ownership) {
        this(setup, journal, streamedResults, ownership, SpendRules.none().newRun(), ResultLines.PIPELINE);
    }

    /** @param spend the run's ledger: its prices and cap */
    Run(Setup setup, Journal journal, FileChannel streamedResults, AutoCloseable ownership, RunSpend spend) {
        this(setup, journal, streamedResults, ownership, spend, ResultLines.PIPELINE);
    }

    /**
     * @param spend       the run's ledger: its prices and cap
     * @param resultLines how a result reads in the streamed results file
     */
    Run(Setup setup, Journal journal, FileChannel streamedResults, AutoCloseable ownership, RunSpend spend,
        ResultLines resultLines) {
        this.setup = setup;
        this.journal = journal;
        this.streamedResults = streamedResults;
        this.resultLines = resultLines;
        this.ownership = ownership;
        this.journalStart = journal.length();
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

    /** The accepted message this run answers, or null for a file run. */
    public MessageInput message() {
        return setup.message();
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

    /** When this process opened the run (its first start is {@code setup().startedAtMillis()}). */
    long openedAtMillis() {
        return openedAtMillis;
    }

    /** The run starts here for the first time: its wall time counts from its start, as its manifest says. */
    void startsHere() {
        openedAtMillis = Math.min(openedAtMillis, setup.startedAtMillis());
    }

    /** An earlier opening of the run worked on it (its journal was there): what it left elsewhere is settled. */
    void resumes() {
        resumed = true;
    }

    /** Whether an earlier opening worked on this run before (a restart, a resumed message, a takeover). */
    public boolean resumed() {
        return resumed;
    }

    /** The journal's length when this process opened the run: records from there on were answered here. */
    long journalStart() {
        return journalStart;
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

    /** A batch shard of the run is held back (the enqueued limits, the spend cap) from now on. */
    public void batchShardWaits() {
        batchShardsWaiting.incrementAndGet();
    }

    /**
     * A batch shard of the run that was held back goes on: it was held {@code ms} before its upload or creation;
     * -1 when it is not sent at all (the spend cap refused it).
     */
    public void batchShardWaitOver(long ms) {
        batchShardsWaiting.decrementAndGet();
        if (ms >= 0) {
            batchShardsHeld.incrementAndGet();
            batchHeldTotalMs.addAndGet(ms);
            batchHeldLongestMs.accumulateAndGet(ms, Math::max);
        }
    }

    /** Batch shards of the run held back right now. */
    public int batchShardsWaiting() {
        return Math.max(0, batchShardsWaiting.get());
    }

    /** How long this process held the run's batch shards back before they were submitted. */
    RunSummary.BatchHolds batchHolds() {
        return new RunSummary.BatchHolds(batchShardsHeld.get(), batchHeldTotalMs.get(), batchHeldLongestMs.get());
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
     * later record of the same line: the later one wins). Whether each record belongs to this input is checked as
     * intake reads the input ({@link #answered}).
     */
    void replayJournal() throws IOException {
        JournalRecords.read(id(), journal.file(), (result, offset, length) -> {
            markRetrying(result.line(), PromptResult.ERROR.equals(result.status()));
            if (!PromptResult.ERROR.equals(result.status())) {
                replayed(result.line(), result.customId());
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

    private synchronized void replayed(long lineNumber, String customId) {
        int line = (int) lineNumber;
        journalIds = grown(journalIds, line);
        // the last record of a line counts: a line asked again because of a foreign record has its answer after it
        journalIds[line] = idHash(customId);
        if (!done.get(line)) {
            done.set(line);
            if (setup.lineMap().covers(lineNumber)) {
                resultCount++; // a line this opening's input holds: intake reads it
            }
        }
    }

    /**
     * Whether a line of the input already has its answer in the journal. The record must carry the custom id the
     * input gives that line: one that carries another (written by another process, edited by hand, copied from
     * another run) is not this input's answer; it is skipped with a warning and the line is asked again.
     *
     * @param customId the custom id this line's result carries (its own, or its line number when it has none)
     */
    public synchronized boolean answered(long lineNumber, String customId) {
        int line = (int) lineNumber;
        int id = idHash(customId);
        inputIds = grown(inputIds, line);
        inputIds[line] = id;
        inputLines.set(line);
        if (!done.get(line)) {
            return false;
        }
        if (line < journalIds.length && journalIds[line] == id) {
            return true;
        }
        forgetForeign(line, "does not carry the custom_id \"" + customId + "\" of that line");
        return false;
    }

    /** A record intake found not to be this input's: the line counts as unanswered again. */
    private void forgetForeign(int line, String why) {
        done.clear(line);
        resultCount--;
        foreignRecords++;
        if (foreignRecords <= FOREIGN_WARNINGS) {
            LOG.warn("run {}: the journal's result for line {} {} in {}: not this input's answer (another writer, "
                    + "a hand edit?), skipped; the line is asked again", id(), line, why, inputName());
        } else if (foreignRecords == FOREIGN_WARNINGS + 1) {
            LOG.warn("run {}: more journal records do not belong to {}: each is skipped and its line asked again",
                    id(), inputName());
        }
    }

    /**
     * Whether a journal record is this input's answer to its line, for the outputs: once intake read the whole
     * input here, a record must name a line of it and carry that line's custom id.
     */
    synchronized boolean belongs(long lineNumber, String customId) {
        if (!inputRead) {
            return true; // written again from an earlier run's journal, or stopped before the input was read
        }
        if (!setup.lineMap().covers(lineNumber)) {
            return true; // a line of the run this opening's input (a failed file of it) does not hold
        }
        int line = (int) lineNumber;
        return inputLines.get(line) && inputIds[line] == idHash(customId);
    }

    private String inputName() {
        return input() == null ? "the message" : input().getFileName().toString();
    }

    private static int idHash(String customId) {
        return customId == null ? 0 : customId.hashCode();
    }

    private static int[] grown(int[] ids, int line) {
        return line < ids.length ? ids : Arrays.copyOf(ids, Math.max(line + 1, ids.length * 2));
    }

    /**
     * Journals a final result (and appends it to the streamed results file), and counts what it cost.
     *
     * @return true when this result was the run's last one
     * @throws IOException the journal cannot be written: the caller stops the run
     */
    boolean record(PromptResult result, String json) throws IOException {
        boolean last;
        synchronized (this) {
            int line = (int) result.line();
            if (done.get(line)) {
                return false;
            }
            journal.append(json);
            // the journal now holds the id this result carries for the line: intake may not have read the line
            // yet (a result a broker held for the run while its owner was down comes in as the run opens again)
            journalIds = grown(journalIds, line);
            journalIds[line] = idHash(result.customId());
            if (streamedResults != null) {
                ByteBuffer buffer = ByteBuffer.wrap((resultLines.of(id(), json) + "\n")
                        .getBytes(StandardCharsets.UTF_8));
                while (buffer.hasRemaining()) {
                    streamedResults.write(buffer);
                }
            }
            done.set(line);
            resultCount++;
            answeredHere.incrementAndGet();
            last = isComplete();
        }
        spend.record(result);
        return last;
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

    /**
     * Intake read the last line; true when every line already has its result. A journal record for a line the
     * input does not have (beyond its end) is not this input's: it no longer counts.
     */
    synchronized boolean markIntakeDone() {
        intakeDone = true;
        inputRead = !inputLines.isEmpty(); // the lines were checked as they were read (a run of no line: nothing to)
        if (inputRead) {
            for (int line = done.nextSetBit(0); line >= 0; line = done.nextSetBit(line + 1)) {
                // a failed file dropped in again holds only some of the run's lines: the others are not foreign
                if (setup.lineMap().identity() && !inputLines.get(line)) {
                    forgetForeign(line, "names a line that " + inputName() + " does not have");
                }
            }
        }
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
