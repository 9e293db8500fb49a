package io.github.camelllm.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.camelllm.cost.RunCost;
import io.github.camelllm.cost.SpendRules;
import io.github.camelllm.json.Jackson;

import java.io.BufferedOutputStream;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * Turns a complete journal into the run's outputs: the results file in input order (through an index of byte
 * offsets by line, never by holding results; a streamed run wrote its results file as they came), the
 * failed-lines file and the summary, in the outbox and in the work folder. Each line counts with its latest
 * record, so a run that sent its failed lines again has one merged results file.
 */
final class RunOutputs {

    private final boolean simulated;
    private final SpendRules spendRules;
    /** What the call gate saw of a run's rate limits (asked once, when the run completes). */
    private volatile Function<String, RunSummary.RateLimits> rateLimits = runId -> RunSummary.RateLimits.NONE;

    RunOutputs(boolean simulated) {
        this(simulated, SpendRules.none());
    }

    /** @param spendRules the prices the summary's cost is worked out at, and the cap it names */
    RunOutputs(boolean simulated, SpendRules spendRules) {
        this.simulated = simulated;
        this.spendRules = spendRules;
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
        JournalStats stats = JournalStats.of(run, spendRules);
        RunStore.Recorded times;
        RunSummary.RateLimits limits;
        if (recorded == null) {
            long partMs = Math.max(1, System.currentTimeMillis() - run.openedAtMillis());
            times = new RunStore.Recorded(setup.priorWallMs() + partMs, stats.okHere() * 1000.0 / partMs,
                    run.openedAtMillis(), Math.min(setup.startedAtMillis(), run.openedAtMillis()));
            limits = rateLimits.apply(run.id());
        } else {
            long first = recorded.firstStartedAtMs() >= 0 ? recorded.firstStartedAtMs() : setup.startedAtMillis();
            long started = recorded.startedAtMs() >= 0 ? recorded.startedAtMs() : first;
            times = new RunStore.Recorded(recorded.wallMs(), recorded.throughputRps(), started, first);
            limits = RunSummary.RateLimits.NONE;
        }
        RunSummary counted = stats.summary(run, times, simulated, limits, null);
        Path outbox = setup.outbox();
        RunSummary summary = stats.summary(run, times, simulated, limits,
                outbox == null ? null : nextStep(counted, run, stats));
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
     * What to do next, in one line: nothing (every line answered), run it again for the failed lines (naming the
     * cap when it stopped the run), or correct the invalid lines.
     */
    private String nextStep(RunSummary s, Run run, JournalStats stats) {
        String name = run.name();
        String again = "run the same input again (or drop " + name + ".failed.jsonl into the inbox): only those "
                + "lines are sent, and their answers merge into " + name + ".results.jsonl";
        RunCost cost = s.cost();
        if (cost != null && cost.budgetExceeded() > 0) {
            return "next: the spend cap " + spendRules.capSetting() + "=" + (spendRules.capUsd() == null ? "(none now)"
                    : spendRules.capUsd().stripTrailingZeros().toPlainString()) + " stopped the run with "
                    + RunCost.usd(cost.totalUsd()) + " spent; " + cost.budgetExceeded() + " line(s) were not sent "
                    + "(budget_exceeded, in " + name + ".failed.jsonl): raise the cap and " + again;
        }
        if (s.failed() > 0) {
            return "next: " + s.failed() + " line(s) failed (most with " + stats.commonestError() + "; they are in "
                    + name + ".failed.jsonl): fix the cause, then " + again;
        }
        if (s.invalid() > 0) {
            return "next: " + s.invalid() + " line(s) are invalid (their results say why): correct them in a new "
                    + "file; running this input again calls nothing";
        }
        return "next: nothing: every line has its answer in " + name + ".results.jsonl";
    }

    /**
     * Writes every line whose prompt ended in error, in the input's own format, so that dropping the file into
     * the inbox retries exactly those prompts. Lines that had no custom_id get their original line number as
     * one, so their results can be matched to the first run. The work folder remembers the file's content
     * (its SHA-256, under {@code .failed/} of the work root) with the run's lines it holds, so that the file dropped
     * in again is recognised as this run's and its answers merge into this run's outputs.
     */
    private static void writeFailed(Run run, BitSet errorLines) throws IOException {
        Path target = run.setup().outbox().resolve(run.name() + ".failed.jsonl");
        Path input = run.input();
        if (errorLines.isEmpty() || input == null || !Files.exists(input)) {
            Files.deleteIfExists(target);
            return;
        }
        MessageDigest sha = InputFiles.sha256();
        StringBuilder lines = new StringBuilder(run.id()).append('\n');
        AtomicFiles.write(target, tmp -> {
            try (InputStream in = Files.newInputStream(input);
                 BufferedWriter out = new BufferedWriter(new java.io.OutputStreamWriter(
                         new DigestOutputStream(Files.newOutputStream(tmp), sha), StandardCharsets.UTF_8))) {
                LineReader reader = new LineReader(in, Integer.MAX_VALUE - 16);
                while (reader.hasNext()) {
                    RawLine raw = reader.next();
                    long line = run.runLine(raw.number());
                    if (line < 1 || !errorLines.get((int) line) || !raw.readable()) {
                        continue;
                    }
                    out.write(failedLine(run, raw, line));
                    out.write('\n');
                    lines.append(line).append('\n');
                }
            }
        });
        FailedFiles.remember(run.workDir().getParent(), HexFormat.of().formatHex(sha.digest()), lines.toString());
    }

    /** A failed line of a text input, as a JSONL prompt line. */
    private record TextPrompt(@JsonProperty("custom_id") String customId, String prompt) {
    }

    private static String failedLine(Run run, RawLine raw, long line) throws IOException {
        if (run.format() == Run.Format.TEXT) {
            return Jackson.MAPPER.writeValueAsString(new TextPrompt(Long.toString(line), raw.text()));
        }
        ObjectNode n = (ObjectNode) Jackson.MAPPER.readTree(raw.text());
        if (!n.hasNonNull("custom_id")) {
            ObjectNode withId = Jackson.MAPPER.createObjectNode();
            withId.put("custom_id", Long.toString(line));
            withId.setAll(n);
            return withId.toString();
        }
        return raw.text();
    }
}
