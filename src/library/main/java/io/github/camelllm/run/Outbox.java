package io.github.camelllm.run;

import io.github.camelllm.json.Jackson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Names in the outbox, chosen so that no run's outputs overwrite another run's:
 * <ul>
 *   <li>{@code x.jsonl} writes {@code x.results.jsonl}; any other name keeps its extension ({@code x.txt} writes
 *   {@code x.txt.results.jsonl}), so inputs that differ only by extension never share outputs;</li>
 *   <li>before a run writes {@code NAME.*}, outputs of another run under that name move aside to
 *   {@code NAME.<date>-<run id>.*};</li>
 *   <li>scheduled runs write one dated set per firing, {@code NAME.<date>.*}, and keep the newest few.</li>
 * </ul>
 */
public final class Outbox {

    private static final Logger LOG = LoggerFactory.getLogger(Outbox.class);
    static final List<String> SUFFIXES = List.of(".results.jsonl", ".summary.json", ".failed.jsonl");
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
            .withZone(ZoneOffset.UTC);

    private Outbox() {
    }

    /**
     * The outbox base name of an input: the file name without {@code .jsonl}, without leading dots (so the
     * outputs are not hidden files) and short enough that NAME.results.jsonl stays within file-name limits.
     */
    public static String baseName(String fileName) {
        String base = fileName.toLowerCase().endsWith(".jsonl")
                ? fileName.substring(0, fileName.length() - ".jsonl".length()) : fileName;
        base = base.replaceFirst("^\\.+", "");
        if (base.isBlank()) {
            base = "input";
        }
        byte[] utf8 = base.getBytes(StandardCharsets.UTF_8);
        if (utf8.length > 200) {
            String suffix = "-" + Integer.toHexString(base.hashCode());
            int cut = 190;
            while (cut > 0 && (utf8[cut] & 0xC0) == 0x80) {
                cut--; // do not cut inside a UTF-8 sequence
            }
            base = new String(utf8, 0, cut, StandardCharsets.UTF_8) + suffix;
        }
        return base;
    }

    /** The name of one scheduled firing's output set. */
    static String dated(String base, long startedAtMillis) {
        return base + "." + STAMP.format(Instant.ofEpochMilli(startedAtMillis));
    }

    /** Moves outputs of any other run under {@code name} aside, then marks {@code name} as this run's. */
    static void claim(Path outbox, String name, String runId) throws IOException {
        Files.createDirectories(outbox);
        Path owner = outbox.resolve("." + name + ".run");
        String previous = ownerOf(outbox, name, owner);
        if (previous != null && !previous.equals(runId)) {
            Path results = outbox.resolve(name + ".results.jsonl");
            Path summary = outbox.resolve(name + ".summary.json");
            Path dated = Files.exists(summary) ? summary : results;
            String aside = name + "." + STAMP.format(Files.getLastModifiedTime(dated).toInstant()) + "-" + previous;
            for (String suffix : SUFFIXES) {
                Path from = outbox.resolve(name + suffix);
                if (Files.exists(from)) {
                    Files.move(from, outbox.resolve(aside + suffix));
                }
            }
            LOG.info("outbox: the outputs of run {} under {} moved aside to {}.* (new content under that name)",
                    previous, name, aside);
        }
        AtomicFiles.write(owner, runId + "\n");
    }

    /** The run that wrote {@code name}'s outputs: null when there are none, "earlier" when it is unknown. */
    private static String ownerOf(Path outbox, String name, Path ownerFile) {
        Path summary = outbox.resolve(name + ".summary.json");
        try {
            if (Files.exists(summary)) {
                String id = Jackson.MAPPER.readTree(summary.toFile()).path("run_id").asText("");
                return id.isEmpty() ? "earlier" : id;
            }
            if (Files.exists(ownerFile)) {
                String id = Files.readString(ownerFile).trim();
                if (!id.isEmpty()) {
                    return Files.exists(outbox.resolve(name + ".results.jsonl")) ? id : null;
                }
            }
        } catch (IOException | RuntimeException unreadable) {
            return "earlier";
        }
        return Files.exists(outbox.resolve(name + ".results.jsonl")) ? "earlier" : null;
    }

    /** Keeps the newest {@code keep} dated output sets of {@code base} (scheduled runs) and deletes the rest. */
    static void prune(Path outbox, String base, int keep) throws IOException {
        Pattern dated = Pattern.compile(Pattern.quote(base) + "\\.(\\d{8}-\\d{6})\\.(results\\.jsonl|summary\\.json"
                + "|failed\\.jsonl)");
        TreeSet<String> stamps = new TreeSet<>();
        try (Stream<Path> files = Files.list(outbox)) {
            files.forEach(p -> {
                Matcher m = dated.matcher(p.getFileName().toString());
                if (m.matches()) {
                    stamps.add(m.group(1));
                }
            });
        }
        while (stamps.size() > keep) {
            String oldest = stamps.pollFirst();
            for (String suffix : SUFFIXES) {
                Files.deleteIfExists(outbox.resolve(base + "." + oldest + suffix));
            }
            Files.deleteIfExists(outbox.resolve("." + base + "." + oldest + ".run"));
            LOG.info("outbox: scheduled outputs {}.{}.* deleted (llm.schedule.keep-outputs={})", base, oldest, keep);
        }
    }
}
