package io.github.camelllm.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.json.Jackson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

    /** Rebuilds a streamed results file from the journal (a crash can leave it behind the journal). */
    static void copyJournal(String runId, Path journal, Path target) throws IOException {
        AtomicFiles.write(target, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                JournalRecords.read(runId, journal, (result, offset, length, line) -> out.write(
                        (line + "\n").getBytes(StandardCharsets.UTF_8)));
            }
        });
    }
}
