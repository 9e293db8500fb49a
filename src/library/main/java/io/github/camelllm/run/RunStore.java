package io.github.camelllm.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.model.PromptResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.stream.Stream;

/**
 * The files of a run's work folder: {@code run.lock} (its owner), {@code manifest.json} (what the run is),
 * {@code journal.jsonl} (its results), {@code summary.json} (present once it completed).
 */
final class RunStore {

    private static final Logger LOG = LoggerFactory.getLogger(RunStore.class);
    static final String LOCK = "run.lock";
    static final String JOURNAL = "journal.jsonl";
    static final String SUMMARY = "summary.json";
    /** The summary a run had when it was opened again to send its failed lines (kept for reference). */
    static final String SUMMARY_BEFORE = "summary.before-retry.json";
    /** manifest.json: when the run was last opened again after it completed. */
    static final String REOPENED_AT = "reopened_at_ms";
    /** manifest.json: the wall time the run had recorded when it was last opened again. */
    static final String PRIOR_WALL = "prior_wall_ms";
    /** Written and deleted before a run starts calling, so a full disk is found before anything is paid. */
    private static final int PROBE_BYTES = 256 * 1024;

    /** manifest.json: what the run is. */
    private record Manifest(@JsonProperty("run_id") String runId, String name, String input, String sha256,
                            String format, @JsonProperty("started_at_ms") long startedAtMs) {
    }

    private RunStore() {
    }

    static boolean completed(Path workDir) {
        return Files.exists(workDir.resolve(SUMMARY));
    }

    /** The manifest's fields; a missing or unreadable manifest is (re)written from what is known now. */
    static JsonNode manifest(Path workDir, String runId, String name, Path input, Run.Format format, String hash)
            throws IOException {
        Path manifest = workDir.resolve("manifest.json");
        if (Files.exists(manifest)) {
            try {
                JsonNode m = Jackson.MAPPER.readTree(manifest.toFile());
                if (m != null && m.has("started_at_ms")) {
                    return m;
                }
            } catch (IOException | RuntimeException unreadable) {
                LOG.warn("run {}: {} is unreadable: written again", runId, manifest);
            }
        }
        Manifest m = new Manifest(runId, name, input == null ? null : input.toAbsolutePath().toString(), hash,
                format.name().toLowerCase(), System.currentTimeMillis());
        AtomicFiles.write(manifest, Jackson.MAPPER.writeValueAsString(m));
        return Jackson.MAPPER.valueToTree(m);
    }

    /**
     * The times a completed run recorded in its summary, so outputs written again later report the same ones.
     *
     * @param wallMs           wall time of the part that completed it
     * @param throughputRps    answers per second of that part
     * @param startedAtMs      when that part began, or -1 when an older summary does not say
     * @param firstStartedAtMs when the run first started, or -1 when an older summary does not say
     */
    record Recorded(long wallMs, double throughputRps, long startedAtMs, long firstStartedAtMs) {
    }

    /** What a completed run recorded; null when its summary cannot be read. */
    static Recorded recorded(Path workDir) {
        try {
            JsonNode summary = Jackson.MAPPER.readTree(workDir.resolve(SUMMARY).toFile());
            return new Recorded(summary.path("wall_ms").asLong(1), summary.path("throughput_rps").asDouble(0),
                    instantMs(summary.path("started_at")), instantMs(summary.path("first_started_at")));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static long instantMs(JsonNode iso) {
        try {
            return iso.isTextual() ? java.time.Instant.parse(iso.asText()).toEpochMilli() : -1;
        } catch (RuntimeException e) {
            return -1;
        }
    }

    /** The outbox name the run's manifest gives it, or {@code fallback}. */
    static String nameOf(Path workDir, String fallback) {
        String name = readManifest(workDir).path("name").asText("");
        return name.isBlank() ? fallback : name;
    }

    /** The file name of the run's own input, as its manifest has it; null when unknown. */
    static String inputNameOf(Path workDir) {
        String input = readManifest(workDir).path("input").asText("");
        return input.isBlank() ? null : Path.of(input).getFileName().toString();
    }

    private static JsonNode readManifest(Path workDir) {
        try {
            JsonNode m = Jackson.MAPPER.readTree(workDir.resolve("manifest.json").toFile());
            return m == null ? Jackson.MAPPER.createObjectNode() : m;
        } catch (IOException | RuntimeException e) {
            return Jackson.MAPPER.createObjectNode();
        }
    }

    /**
     * How many of the lines an opening's input holds ended in an error, by their latest record in the journal:
     * what opening the run again would send.
     */
    static long openLines(String runId, Path workDir, LineMap lineMap) throws IOException {
        BitSet open = new BitSet();
        JournalRecords.read(runId, workDir.resolve(JOURNAL), (r, offset, length) ->
                open.set((int) r.line(), PromptResult.ERROR.equals(r.status()) && lineMap.covers(r.line())));
        return open.cardinality();
    }

    /**
     * A completed run is opened again to send its failed lines: the manifest records when, and the wall time the
     * run had (so its summary goes on counting from there), then the summary moves aside, so the run is no
     * longer complete. In that order: a crash between the two opens it again the same way.
     */
    static void reopen(Path workDir, long priorWallMs, long nowMs) throws IOException {
        JsonNode read = readManifest(workDir);
        ObjectNode manifest = read instanceof ObjectNode o ? o : Jackson.MAPPER.createObjectNode();
        manifest.put(REOPENED_AT, nowMs);
        manifest.put(PRIOR_WALL, priorWallMs);
        AtomicFiles.write(workDir.resolve("manifest.json"), Jackson.MAPPER.writeValueAsString(manifest));
        Files.move(workDir.resolve(SUMMARY), workDir.resolve(SUMMARY_BEFORE), StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Moves a completed run's files to {@code RUNID.previous} (replacing the one before), keeping the lock file
     * in place: the run's owner keeps holding it while it runs the content again.
     */
    static void rotateCompleted(Path workDir) throws IOException {
        Path previous = workDir.resolveSibling(workDir.getFileName() + ".previous");
        InboxFiles.deleteTree(previous);
        Files.createDirectories(previous);
        try (Stream<Path> files = Files.list(workDir)) {
            for (Path p : files.toList()) {
                if (!p.getFileName().toString().equals(LOCK)) {
                    Files.move(p, previous.resolve(p.getFileName()));
                }
            }
        }
    }

    /** Fails when the work folder cannot take a few hundred KB: better found now than after a call is paid. */
    static void probe(String runId, Path workDir) throws RunStorageException {
        Path probe = workDir.resolve(".probe");
        try (OutputStream out = Files.newOutputStream(probe, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            out.write(new byte[PROBE_BYTES]);
            out.flush();
        } catch (IOException e) {
            throw new RunStorageException("run " + runId + " cannot start: its work folder " + workDir
                    + " cannot be written (" + e.getMessage() + ")", e);
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // a leftover probe file is harmless
            }
        }
    }

    /**
     * Rebuilds a streamed results file from the journal (a crash can leave it behind the journal): each line's
     * latest record once, in the order they were journaled, without the lines whose latest record is an error
     * (this opening sends them again, and their new result is appended when it comes).
     */
    static void copyJournal(String runId, Path journal, Path target, ResultLines resultLines) throws IOException {
        long[][] latest = {new long[1024]};
        Arrays.fill(latest[0], -1);
        BitSet errors = new BitSet();
        JournalRecords.read(runId, journal, (result, offset, length) -> {
            int n = (int) result.line();
            if (n >= latest[0].length) {
                int old = latest[0].length;
                latest[0] = Arrays.copyOf(latest[0], Math.max(n + 1, old * 2));
                Arrays.fill(latest[0], old, latest[0].length, -1);
            }
            latest[0][n] = offset;
            errors.set(n, PromptResult.ERROR.equals(result.status()));
        });
        long[] copied = new long[latest[0].length];
        int count = 0;
        for (int n = 0; n < latest[0].length; n++) {
            if (latest[0][n] >= 0 && !errors.get(n)) {
                copied[count++] = latest[0][n];
            }
        }
        long[] offsets = Arrays.copyOf(copied, count);
        Arrays.sort(offsets); // the order they were journaled
        AtomicFiles.write(target, tmp -> {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
                int[] next = {0};
                Journal.scan(journal, (offset, bytes, start, length) -> {
                    if (next[0] == offsets.length || offsets[next[0]] != offset) {
                        return;
                    }
                    next[0]++;
                    if (resultLines == ResultLines.PIPELINE) {
                        out.write(bytes, start, length); // the record byte for byte
                        out.write('\n');
                    } else {
                        String line = new String(bytes, start, length, StandardCharsets.UTF_8);
                        out.write((resultLines.of(runId, line) + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                });
            }
        });
    }
}
