package io.github.camelllm.run;

import io.github.camelllm.intake.CustomIdSet;

import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One input file or message batch on its way through the pipeline. Its durable state is its work folder
 * (manifest, journal); everything here can be rebuilt from that folder after a crash.
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
    /** Lines that already have their final result in the journal. Guarded by this. */
    final BitSet done = new BitSet();
    long resultCount;
    FileChannel streamedResults;

    final CustomIdSet customIds = new CustomIdSet();
    final AtomicLong linesSeen = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    volatile boolean intakeDone;
    final AtomicBoolean finishing = new AtomicBoolean();
    final CompletableFuture<RunSummary> completion = new CompletableFuture<>();
    final Set<String> batchIds = ConcurrentHashMap.newKeySet();
    /** Service mode: move the input to the inbox's .done folder once every line has its result. */
    volatile boolean archiveWhenDone;

    Run(String id, String name, Path input, Format format, Path workDir, Journal journal, boolean ordered,
        Path outbox, long startedAtMillis) {
        this.id = id;
        this.name = name;
        this.input = input;
        this.format = format;
        this.workDir = workDir;
        this.journal = journal;
        this.ordered = ordered;
        this.outbox = outbox;
        this.startedAtMillis = startedAtMillis;
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

    public synchronized boolean isDone(long line) {
        return done.get((int) line);
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
