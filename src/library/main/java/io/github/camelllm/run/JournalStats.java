package io.github.camelllm.run;

import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.TreeSet;

/**
 * Everything a run's summary and its ordered results file need, gathered in one pass over its journal: the byte
 * position of each line's record, the lines that ended in error, counts, tokens, latencies and batch ids.
 */
final class JournalStats {

    private long[] offsets;
    private int[] lengths;
    private final BitSet errorLines = new BitSet();
    private long total;
    private long ok;
    private long failed;
    private long invalid;
    private long retries;
    private long promptTokens;
    private long completionTokens;
    private long realtime;
    private long batch;
    private long[] latencies = new long[1024];
    private int latencyCount;
    private final TreeSet<String> batchIds = new TreeSet<>();
    /** Records from this byte position of the journal on were answered by this process. */
    private final long answeredHereFrom;
    private long okHere;

    /**
     * @param expectedLines    how many lines the run read (the index grows past it when the journal has more)
     * @param answeredHereFrom the journal's length when this process opened the run
     */
    JournalStats(long expectedLines, long answeredHereFrom) {
        this.answeredHereFrom = answeredHereFrom;
        int size = (int) Math.min(Math.max(expectedLines + 1, 16), Integer.MAX_VALUE - 8);
        offsets = new long[size];
        lengths = new int[size];
        Arrays.fill(offsets, -1);
    }

    /** Counts one journal record; a second record of the same line is ignored. */
    void add(PromptResult r, long offset, int length) {
        int line = (int) r.line();
        if (line >= offsets.length) {
            int old = offsets.length;
            int size = Math.max(line + 1, old * 2);
            offsets = Arrays.copyOf(offsets, size);
            lengths = Arrays.copyOf(lengths, size);
            Arrays.fill(offsets, old, size, -1);
        }
        if (offsets[line] >= 0) {
            return; // the registry never writes a line twice; a hand-edited journal might
        }
        offsets[line] = offset;
        lengths[line] = length;
        total++;
        switch (r.status()) {
            case PromptResult.OK -> {
                ok++;
                if (offset >= answeredHereFrom) {
                    okHere++;
                }
            }
            case PromptResult.ERROR -> {
                failed++;
                errorLines.set(line);
            }
            default -> invalid++;
        }
        if (r.attempts() > 1) {
            retries += r.attempts() - 1;
        }
        if (r.usage() != null) {
            promptTokens += r.usage().promptTokens();
            completionTokens += r.usage().completionTokens();
        }
        if (PromptRequest.REALTIME.equals(r.route())) {
            realtime++;
        } else if (PromptRequest.BATCH.equals(r.route())) {
            batch++;
        }
        if (r.batchId() != null) {
            batchIds.add(r.batchId());
        }
        if (!PromptResult.INVALID.equals(r.status()) && PromptRequest.REALTIME.equals(r.route())) {
            if (latencyCount == latencies.length) {
                latencies = Arrays.copyOf(latencies, latencyCount * 2);
            }
            latencies[latencyCount++] = r.latencyMs();
        }
    }

    /** Line numbers below this may have a record. */
    int lineSlots() {
        return offsets.length;
    }

    /** The byte position of a line's record in the journal, or -1 when it has none. */
    long offsetOf(int line) {
        return offsets[line];
    }

    /** The length of a line's record in bytes, without its newline. */
    int lengthOf(int line) {
        return lengths[line];
    }

    /** The lines whose prompt ended in error. */
    BitSet errorLines() {
        return errorLines;
    }

    /** Answers (ok results) this process received for the run: what its throughput counts. */
    long okHere() {
        return okHere;
    }

    /**
     * @param wallMs           this process's part of the run, from when it opened the run
     * @param throughputRps    answers per second of that part
     * @param startedAtMs      when this process opened the run
     * @param firstStartedAtMs when the run first started (earlier when it was resumed)
     */
    RunSummary summary(Run run, long wallMs, double throughputRps, long startedAtMs, long firstStartedAtMs,
                       boolean simulated, RunSummary.RateLimits limits) {
        long[] sorted = Arrays.copyOf(latencies, latencyCount);
        Arrays.sort(sorted);
        double avg = 0;
        for (long l : sorted) {
            avg += l;
        }
        avg = sorted.length == 0 ? 0 : avg / sorted.length;
        RunSummary.Latency latency = new RunSummary.Latency(avg, percentile(sorted, 50), percentile(sorted, 95),
                percentile(sorted, 99), sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
        List<String> ids = new ArrayList<>(batchIds);
        ids.addAll(run.batchIds().stream().filter(id -> !batchIds.contains(id)).sorted().toList());
        return new RunSummary(run.id(), run.input() == null ? run.name() : run.input().getFileName().toString(),
                total, ok, failed, invalid, retries, wallMs, throughputRps, latency, promptTokens, completionTokens,
                realtime, batch, ids, simulated, limits, startedAtMs, firstStartedAtMs);
    }

    /** Nearest-rank percentile. */
    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
