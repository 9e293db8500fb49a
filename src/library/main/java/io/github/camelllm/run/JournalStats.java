package io.github.camelllm.run;

import io.github.camelllm.cost.RunSpend;
import io.github.camelllm.cost.SpendRules;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.TreeSet;

/**
 * Everything a run's summary and its ordered results file need, gathered from its journal: the byte position of
 * each line's latest record, the lines that ended in error, counts, tokens, cost, latencies and batch ids, all from
 * the records' bookkeeping (the answers are never decoded: {@link JournalRecords}). One pass
 * while no line has two records; a run that sent its failed lines again (an error record, then a later one for the
 * same line) is counted again from each line's latest record.
 */
final class JournalStats {

    private final SpendRules spendRules;
    private long[] offsets;
    private int[] lengths;
    /** Some line has more than one record: the counts are made again from the latest ones. */
    private boolean superseded;
    private RunSpend spend;
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
    /** How many lines ended in each error type. */
    private final java.util.TreeMap<String, Long> errorTypes = new java.util.TreeMap<>();

    /** @param expectedLines how many lines the run read (the index grows past it when the journal has more) */
    JournalStats(long expectedLines) {
        this(expectedLines, 0, SpendRules.none());
    }

    /**
     * @param expectedLines    how many lines the run read (the index grows past it when the journal has more)
     * @param answeredHereFrom the journal's length when this process opened the run
     * @param spendRules       the prices the answers are costed at (and the cap the summary shows)
     */
    JournalStats(long expectedLines, long answeredHereFrom, SpendRules spendRules) {
        this.answeredHereFrom = answeredHereFrom;
        this.spendRules = spendRules;
        this.spend = spendRules.newRun();
        int size = (int) Math.min(Math.max(expectedLines + 1, 16), Integer.MAX_VALUE - 8);
        offsets = new long[size];
        lengths = new int[size];
        Arrays.fill(offsets, -1);
    }

    /** Reads a run's journal: each line's latest record counts. */
    static JournalStats of(String runId, Path journal, long expectedLines, SpendRules spendRules)
            throws IOException {
        JournalStats stats = new JournalStats(expectedLines, 0, spendRules);
        JournalRecords.read(runId, journal, (r, offset, length) -> stats.add(r, offset, length));
        if (stats.superseded) {
            stats.recount(runId, journal);
        }
        return stats;
    }

    /**
     * Reads a run's journal for its outputs: each line's latest record counts, records that are not its input's
     * answers ({@link Run#belongs}) do not, and answers from the journal's length at this opening on count as
     * this process's.
     */
    static JournalStats of(Run run, SpendRules spendRules) throws IOException {
        JournalStats stats = new JournalStats(run.linesSeen(), run.journalStart(), spendRules);
        JournalRecords.read(run.id(), run.journalFile(), (r, offset, length) -> {
            if (run.belongs(r.line(), r.customId())) {
                stats.add(r, offset, length);
            }
        });
        if (stats.superseded) {
            stats.recount(run.id(), run.journalFile());
        }
        return stats;
    }

    /** Indexes one journal record; a later record of the same line replaces the earlier one. */
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
            superseded = true; // an error sent again, or a hand-edited journal: counted again at the end
        }
        offsets[line] = offset;
        lengths[line] = length;
        if (offset >= answeredHereFrom && PromptResult.OK.equals(r.status())) {
            okHere++;
        }
        if (!superseded) {
            count(r);
        }
    }

    /** Counts every line again from its latest record (read at its byte position). */
    private void recount(String runId, Path journal) throws IOException {
        errorLines.clear();
        total = ok = failed = invalid = retries = promptTokens = completionTokens = realtime = batch = 0;
        latencyCount = 0;
        batchIds.clear();
        errorTypes.clear();
        spend = spendRules.newRun();
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            for (int line = 1; line < offsets.length; line++) {
                if (offsets[line] < 0) {
                    continue;
                }
                int length = lengths[line];
                if (buf.capacity() < length) {
                    buf = ByteBuffer.allocate(length);
                }
                buf.clear().limit(length);
                while (buf.hasRemaining()) {
                    if (ch.read(buf, offsets[line] + buf.position()) < 0) {
                        throw new IOException("journal " + journal + " ended early at line " + line);
                    }
                }
                PromptResult latest = JournalRecords.parse(runId, buf.array(), 0, length);
                if (latest == null) {
                    throw new IOException("journal " + journal + " changed while it was read: the record of line "
                            + line + " is no longer readable");
                }
                count(latest);
            }
        }
    }

    private void count(PromptResult r) {
        int line = (int) r.line();
        spend.record(r);
        total++;
        switch (r.status()) {
            case PromptResult.OK -> ok++;
            case PromptResult.ERROR -> {
                failed++;
                errorLines.set(line);
                errorTypes.merge(r.error() == null ? "error" : r.error().type(), 1L, Long::sum);
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

    /** The error type most lines ended with, or null when none ended in error. */
    String commonestError() {
        return errorTypes.entrySet().stream().max(java.util.Map.Entry.comparingByValue())
                .map(java.util.Map.Entry::getKey).orElse(null);
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
     * @param times    the run's wall time, this process's throughput, when this process opened it and when it
     *                 first started
     * @param nextStep what to do next, in one line (null: worked out by the summary)
     */
    RunSummary summary(Run run, RunStore.Recorded times, boolean simulated, RunSummary.RateLimits limits,
                       String nextStep) {
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
        return new RunSummary(run.id(), run.setup().displayName(), total, ok, failed, invalid, retries,
                times.wallMs(), times.throughputRps(), latency, promptTokens, completionTokens, realtime, batch, ids,
                simulated, limits, times.startedAtMs(), times.firstStartedAtMs(), spend.snapshot(), run.batchHolds(),
                nextStep);
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
