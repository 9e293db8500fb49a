package io.github.camelllm.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.camelllm.json.Jackson;

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
import java.util.BitSet;
import java.util.function.Function;

/**
 * Turns a complete journal into the run's outputs: the results file in input order (through an index of byte
 * offsets by line, never by holding results; a streamed run wrote its results file as they came), the
 * failed-lines file and the summary, in the outbox and in the work folder.
 */
final class RunOutputs {

    private final boolean simulated;
    /** What the call gate saw of a run's rate limits (asked once, when the run completes). */
    private volatile Function<String, RunSummary.RateLimits> rateLimits = runId -> RunSummary.RateLimits.NONE;

    RunOutputs(boolean simulated) {
        this.simulated = simulated;
    }

    void reportRateLimitsWith(Function<String, RunSummary.RateLimits> source) {
        this.rateLimits = source;
    }

    /**
     * Writes the run's outputs from its journal (closed by now).
     *
     * @param recorded what a run completed before recorded (its outputs are written again), or null for a run
     *                 completing now
     */
    RunSummary write(Run run, RunStore.Recorded recorded) throws IOException {
        Run.Setup setup = run.setup();
        JournalStats stats = new JournalStats(run.linesSeen(), run.journalStart());
        JournalRecords.read(run.id(), run.journalFile(), (r, offset, length, line) -> {
            if (run.belongs(r.line(), r.customId())) {
                stats.add(r, offset, length);
            }
        });
        RunSummary summary;
        if (recorded == null) {
            long wallMs = Math.max(1, System.currentTimeMillis() - run.openedAtMillis());
            summary = stats.summary(run, wallMs, stats.okHere() * 1000.0 / wallMs, run.openedAtMillis(),
                    Math.min(setup.startedAtMillis(), run.openedAtMillis()), simulated, rateLimits.apply(run.id()));
        } else {
            long first = recorded.firstStartedAtMs() >= 0 ? recorded.firstStartedAtMs() : setup.startedAtMillis();
            long started = recorded.startedAtMs() >= 0 ? recorded.startedAtMs() : first;
            summary = stats.summary(run, recorded.wallMs(), recorded.throughputRps(), started, first, simulated,
                    RunSummary.RateLimits.NONE);
        }
        Path outbox = setup.outbox();
        if (outbox != null) {
            Outbox.claim(outbox, run.name(), run.id());
            if (setup.ordered()) {
                writeOrdered(run, stats);
            }
            writeFailed(run, stats.errorLines());
            AtomicFiles.write(outbox.resolve(run.name() + ".summary.json"), summary.toJson());
        }
        AtomicFiles.write(run.workDir().resolve(RunStore.SUMMARY), summary.toJson());
        return summary;
    }

    private static void writeOrdered(Run run, JournalStats stats) throws IOException {
        AtomicFiles.write(run.setup().outbox().resolve(run.name() + ".results.jsonl"),
                tmp -> copyInOrder(run, stats, tmp));
    }

    private static void copyInOrder(Run run, JournalStats stats, Path tmp) throws IOException {
        try (FileChannel journal = FileChannel.open(run.journalFile(), StandardOpenOption.READ);
             OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
            ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
            for (int line = 1; line < stats.lineSlots(); line++) {
                long offset = stats.offsetOf(line);
                if (offset < 0) {
                    continue;
                }
                int length = stats.lengthOf(line) + 1; // with its newline
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
        Path target = run.setup().outbox().resolve(run.name() + ".failed.jsonl");
        Path input = run.input();
        if (errorLines.isEmpty() || input == null || !Files.exists(input)) {
            Files.deleteIfExists(target);
            return;
        }
        AtomicFiles.write(target, tmp -> {
            try (InputStream in = Files.newInputStream(input);
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
        if (run.format() == Run.Format.TEXT) {
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
}
