package io.github.camelllm.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Turns a complete journal into the run's outputs: the results file in input order (through an index of byte
 * offsets by line, never by holding results), the failed-lines file and the summary.
 */
final class RunFinisher {

    private final boolean simulated;
    /** What the call gate saw of a run's rate limits (asked once, when the run completes). */
    private volatile Function<String, RunSummary.RateLimits> rateLimits = runId -> RunSummary.RateLimits.NONE;

    RunFinisher(boolean simulated) {
        this.simulated = simulated;
    }

    void reportRateLimitsWith(Function<String, RunSummary.RateLimits> source) {
        this.rateLimits = source;
    }

    /**
     * @param recordedWallMs the wall time of a run completed before (its outputs are written again), or -1 for a
     *                       run completing now
     */
    RunSummary finish(Run run, long recordedWallMs) throws IOException {
        Stats stats = new Stats(run.linesSeen.get());
        JournalRecords.read(run.id, run.journal.file(), (r, offset, length, line) -> stats.add(r, offset, length));
        long wallMs = recordedWallMs >= 0 ? recordedWallMs
                : Math.max(1, System.currentTimeMillis() - run.startedAtMillis);
        RunSummary.RateLimits limits = recordedWallMs >= 0 ? RunSummary.RateLimits.NONE : rateLimits.apply(run.id);
        RunSummary summary = stats.summary(run, wallMs, simulated, limits);
        if (run.outbox != null) {
            Outbox.claim(run.outbox, run.name, run.id);
            if (run.ordered) {
                writeOrdered(run, stats);
            } else if (recordedWallMs >= 0) {
                RunStore.copyJournal(run.id, run.journal.file(), run.outbox.resolve(run.name + ".results.jsonl"));
            }
            writeFailed(run, stats.errorLines);
            AtomicFiles.write(run.outbox.resolve(run.name + ".summary.json"), summary.toJson());
        }
        AtomicFiles.write(run.workDir.resolve("summary.json"), summary.toJson());
        return summary;
    }

    private static void writeOrdered(Run run, Stats stats) throws IOException {
        AtomicFiles.write(run.outbox.resolve(run.name + ".results.jsonl"), tmp -> copyInOrder(run, stats, tmp));
    }

    private static void copyInOrder(Run run, Stats stats, Path tmp) throws IOException {
        try (FileChannel journal = FileChannel.open(run.journal.file(), StandardOpenOption.READ);
             OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            for (int line = 1; line < stats.offsets.length; line++) {
                long offset = stats.offsets[line];
                if (offset < 0) {
                    continue;
                }
                int length = stats.lengths[line] + 1; // with its newline
                if (buf.capacity() < length) {
                    buf = ByteBuffer.allocate(length);
                }
                buf.clear().limit(length);
                while (buf.hasRemaining()) {
                    if (journal.read(buf, offset + buf.position()) < 0) {
                        throw new IOException("journal ended early at line " + line);
                    }
                }
                out.write(buf.array(), 0, length);
            }
        }
    }

    /**
     * Writes every line whose prompt ended in error, in the input's own format, so that dropping the file into
     * the inbox retries exactly those prompts. Lines that had no custom_id get their original line number as
     * one, so their results can be matched to the first run.
     */
    private static void writeFailed(Run run, BitSet errorLines) throws IOException {
        Path target = run.outbox.resolve(run.name + ".failed.jsonl");
        if (errorLines.isEmpty() || run.input == null || !Files.exists(run.input)) {
            Files.deleteIfExists(target);
            return;
        }
        AtomicFiles.write(target, tmp -> {
            try (InputStream in = Files.newInputStream(run.input);
                 BufferedWriter out = Files.newBufferedWriter(tmp)) {
                LineReader reader = new LineReader(in, Integer.MAX_VALUE - 16);
                while (reader.hasNext()) {
                    RawLine raw = reader.next();
                    if (!errorLines.get((int) raw.number()) || !raw.readable()) {
                        continue;
                    }
                    out.write(failedLine(run, raw));
                    out.write('\n');
                }
            }
        });
    }

    /** A failed line of a text input, as a JSONL prompt line. */
    private record TextPrompt(@JsonProperty("custom_id") String customId, String prompt) {
    }

    private static String failedLine(Run run, RawLine raw) throws IOException {
        if (run.format == Run.Format.TEXT) {
            return Jackson.MAPPER.writeValueAsString(new TextPrompt(Long.toString(raw.number()), raw.text()));
        }
        ObjectNode n = (ObjectNode) Jackson.MAPPER.readTree(raw.text());
        if (!n.hasNonNull("custom_id")) {
            ObjectNode withId = Jackson.MAPPER.createObjectNode();
            withId.put("custom_id", Long.toString(raw.number()));
            withId.setAll(n);
            return withId.toString();
        }
        return raw.text();
    }

    /** Everything the summary and the ordered writer need, gathered in one pass over the journal. */
    private static final class Stats {
        long[] offsets;
        int[] lengths;
        final BitSet errorLines = new BitSet();
        long total;
        long ok;
        long failed;
        long invalid;
        long retries;
        long promptTokens;
        long completionTokens;
        long realtime;
        long batch;
        long[] latencies = new long[1024];
        int latencyCount;
        final TreeSet<String> batchIds = new TreeSet<>();

        Stats(long expectedLines) {
            int size = (int) Math.min(Math.max(expectedLines + 1, 16), Integer.MAX_VALUE - 8);
            offsets = new long[size];
            lengths = new int[size];
            Arrays.fill(offsets, -1);
        }

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
                case PromptResult.OK -> ok++;
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

        RunSummary summary(Run run, long wallMs, boolean simulated, RunSummary.RateLimits limits) {
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
            ids.addAll(run.batchIds.stream().filter(id -> !batchIds.contains(id)).sorted().toList());
            return new RunSummary(run.id, run.input == null ? run.name : run.input.getFileName().toString(), total,
                    ok, failed, invalid, retries, wallMs, (ok + failed) * 1000.0 / wallMs, latency, promptTokens,
                    completionTokens, realtime, batch, ids, simulated, limits);
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
}
