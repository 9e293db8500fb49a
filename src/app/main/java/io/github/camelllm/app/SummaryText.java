package io.github.camelllm.app;

import io.github.camelllm.run.Outbox;
import io.github.camelllm.run.RunSummary;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** A run's summary as {@code run FILE} prints it for a person: what happened, where the files are, how fast. */
final class SummaryText {

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT)
            .withZone(ZoneId.systemDefault());

    private SummaryText() {
    }

    /** @param outbox the folder the run's files were written to */
    static String render(RunSummary s, Path outbox) {
        String base = Outbox.baseName(s.input());
        StringBuilder out = new StringBuilder();
        out.append(s.input()).append(": ").append(count(s.total(), "line")).append(", ").append(s.succeeded())
                .append(" ok, ").append(s.failed()).append(" failed, ").append(s.invalid()).append(" invalid")
                .append(s.simulated() ? "  (SIMULATED answers)" : "").append('\n');
        row(out, "results", display(outbox.resolve(base + ".results.jsonl")));
        row(out, "summary", display(outbox.resolve(base + ".summary.json")));
        Path failed = outbox.resolve(base + ".failed.jsonl");
        if (s.failed() > 0 && Files.exists(failed)) {
            row(out, "failed", display(failed) + "  (the failed lines; run it to ask them again)");
        }
        String time = String.format(Locale.ROOT, "%.1f s, %.1f answers/s", s.wallMs() / 1000.0, s.throughputRps());
        if (s.latencyMs().max() > 0) {
            time += String.format(Locale.ROOT, ", latency p50 %d ms, p99 %d ms", s.latencyMs().p50(),
                    s.latencyMs().p99());
        }
        if (s.resumed()) {
            time += " (resumed; first started " + WHEN.format(Instant.ofEpochMilli(s.firstStartedAtMs())) + ")";
        }
        row(out, "time", time);
        row(out, "tokens", String.format(Locale.ROOT, "%,d prompt + %,d completion", s.promptTokens(),
                s.completionTokens()));
        if (s.retries() > 0 || s.rateLimits().rateLimitedAnswers() > 0) {
            row(out, "retries", String.format(Locale.ROOT, "%d; %d rate-limit answers, throttled %.1f s", s.retries(),
                    s.rateLimits().rateLimitedAnswers(), s.rateLimits().throttledMs() / 1000.0));
        }
        if (s.batch() > 0) {
            row(out, "batch", s.batch() + " lines through the Batch API " + s.batchIds());
        }
        if (s.cost() != null) {
            row(out, "cost", s.cost().describe());
        }
        if (s.nextStep() != null && !s.allSucceeded()) {
            row(out, "next", s.nextStep().replaceFirst("^next: ", ""));
        }
        return out.toString();
    }

    private static void row(StringBuilder out, String label, String value) {
        out.append("  ").append(String.format(Locale.ROOT, "%-9s", label)).append(value).append('\n');
    }

    private static String count(long n, String noun) {
        return n + " " + noun + (n == 1 ? "" : "s");
    }

    /** A path as the user is likely to have typed it: relative to the current directory when under it. */
    private static String display(Path path) {
        Path here = Path.of("").toAbsolutePath();
        Path absolute = path.toAbsolutePath().normalize();
        return absolute.startsWith(here) ? here.relativize(absolute).toString() : absolute.toString();
    }
}
