package io.github.camelllm.run;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.camelllm.PromptResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The runs in progress: opens (or resumes) a run's work folder, records each final result durably, and tells
 * the routes when a run has every result it will get.
 */
public final class RunRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(RunRegistry.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SNIFF_BYTES = 8192;

    private final Path workRoot;
    private final Path outbox;
    private final boolean ordered;
    private final boolean rerunDuplicates;
    private final boolean simulated;
    private final Map<String, Run> runs = new ConcurrentHashMap<>();
    private final RunFinisher finisher;
    /** Summaries of recently finished runs, for callers that ask after the fact. */
    private final Map<String, RunSummary> finished = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, RunSummary> eldest) {
                    return size() > 256;
                }
            });

    /**
     * @param workRoot    folder holding one work folder per run
     * @param outbox      where file runs write NAME.results.jsonl and NAME.summary.json
     * @param outputOrder "ordered" or "streamed"
     * @param onDuplicate "skip" or "rerun": what to do with an input whose content already completed a run
     */
    public RunRegistry(String workRoot, String outbox, String outputOrder, String onDuplicate) {
        this(workRoot, outbox, outputOrder, onDuplicate, false);
    }

    /** @param simulated the answers come from the built-in simulator: every result and summary says so */
    public RunRegistry(String workRoot, String outbox, String outputOrder, String onDuplicate, boolean simulated) {
        this.simulated = simulated;
        this.finisher = new RunFinisher(simulated);
        this.workRoot = Path.of(workRoot);
        this.outbox = Path.of(outbox);
        this.ordered = !"streamed".equalsIgnoreCase(outputOrder.trim());
        if (!ordered && !"streamed".equalsIgnoreCase(outputOrder.trim())) {
            throw new IllegalArgumentException("llm.output.order must be ordered or streamed");
        }
        String dup = onDuplicate.trim().toLowerCase();
        if (!dup.equals("skip") && !dup.equals("rerun")) {
            throw new IllegalArgumentException("llm.inbox.on-duplicate must be skip or rerun, not " + onDuplicate);
        }
        this.rerunDuplicates = dup.equals("rerun");
    }

    public Run get(String runId) {
        Run run = runs.get(runId);
        if (run == null) {
            throw new IllegalStateException("no active run " + runId);
        }
        return run;
    }

    public Run find(String runId) {
        return runs.get(runId);
    }

    /**
     * Opens the run of an input file, resuming it when its work folder has a journal.
     *
     * @return the run, or null when this content already completed a run and duplicates are skipped, or when
     * the same content is being processed right now
     */
    public Run openFile(Path file, boolean archiveWhenDone) throws IOException, UnreadableInputException {
        return openFile(file, archiveWhenDone, false);
    }

    /** As above; {@code rerun} runs completed content again whatever llm.inbox.on-duplicate says (scheduled runs). */
    public Run openFile(Path file, boolean archiveWhenDone, boolean rerun) throws IOException,
            UnreadableInputException {
        if (!Files.isRegularFile(file)) {
            throw new UnreadableInputException("not a regular file: " + file);
        }
        if (!Files.isReadable(file)) {
            throw new UnreadableInputException("cannot read " + file.getFileName() + ": permission denied");
        }
        if (Files.size(file) == 0) {
            throw new UnreadableInputException(file.getFileName() + " is empty: there are no prompts in it");
        }
        String hash = sniffAndHash(file);
        String runId = hash.substring(0, 16);
        Path workDir = workRoot.resolve(runId);
        if (runs.containsKey(runId)) {
            LOG.warn("{} has the same content as run {} which is in progress: not started twice", file, runId);
            return null;
        }
        if (Files.exists(workDir.resolve("summary.json"))) {
            if (!rerunDuplicates && !rerun) {
                LOG.warn("{} has the same content (sha256 {}) as a completed run: skipped "
                        + "(set llm.inbox.on-duplicate=rerun to process it again)", file.getFileName(), hash);
                if (archiveWhenDone) {
                    InboxFiles.moveToDone(file);
                }
                return null;
            }
            LOG.info("{} repeats completed run {}: running it again (llm.inbox.on-duplicate=rerun)",
                    file.getFileName(), runId);
            // keep the last completed run of this content for reference, not one folder per rerun (a nightly
            // schedule would otherwise fill the disk)
            Path previous = workRoot.resolve(runId + ".previous");
            InboxFiles.deleteTree(previous);
            Files.move(workDir, previous);
        }
        String fileName = file.getFileName().toString();
        Run.Format format = formatOf(file, fileName);
        Run run = open(runId, outboxName(fileName), file, format, workDir, outbox, hash);
        run.archiveWhenDone = archiveWhenDone;
        LOG.info("run {} {} {} ({} lines already done)", runId, run.resultCount > 0 ? "resumes" : "starts",
                fileName, run.resultCount);
        return run;
    }

    /** Opens a run for the prompts of one message; its results go to the output endpoint only. */
    public Run openMessages(Run.Format format) throws IOException {
        String runId = "msg-" + UUID.randomUUID();
        return open(runId, runId, null, format, workRoot.resolve(runId), null, null);
    }

    private Run open(String runId, String name, Path input, Run.Format format, Path workDir, Path outboxDir,
                     String hash) throws IOException {
        Files.createDirectories(workDir);
        long startedAt = manifest(workDir, runId, name, input, format, hash);
        Journal journal = new Journal(workDir.resolve("journal.jsonl"));
        Run run = new Run(runId, name, input, format, workDir, journal, ordered, outboxDir, startedAt);
        Journal.scan(journal.file(), (offset, length, line) -> {
            long n = JSON.readTree(line).path("line").asLong();
            if (n > 0 && !run.done.get((int) n)) {
                run.done.set((int) n);
                run.resultCount++;
            }
        });
        if (!ordered && outboxDir != null) {
            Files.createDirectories(outboxDir);
            Path results = outboxDir.resolve(name + ".results.jsonl");
            // a crash can leave the streamed file behind the journal: rebuild it from the journal
            Files.copy(journal.file(), results, StandardCopyOption.REPLACE_EXISTING);
            run.streamedResults = FileChannel.open(results, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }
        runs.put(runId, run);
        return run;
    }

    private static long manifest(Path workDir, String runId, String name, Path input, Run.Format format,
                                 String hash) throws IOException {
        Path manifest = workDir.resolve("manifest.json");
        if (Files.exists(manifest)) {
            return JSON.readTree(manifest.toFile()).path("started_at_ms").asLong(System.currentTimeMillis());
        }
        long now = System.currentTimeMillis();
        ObjectNode m = JSON.createObjectNode();
        m.put("run_id", runId);
        m.put("name", name);
        m.put("input", input == null ? null : input.toAbsolutePath().toString());
        m.put("sha256", hash);
        m.put("format", format.name().toLowerCase());
        m.put("started_at_ms", now);
        Path tmp = workDir.resolve("manifest.json.tmp");
        Files.writeString(tmp, m.toString());
        Files.move(tmp, manifest, StandardCopyOption.ATOMIC_MOVE);
        return now;
    }

    /**
     * Appends a final result to its run's journal (and the streamed results file).
     *
     * @return true when this result was the run's last one
     */
    public boolean record(PromptResult result) throws IOException {
        return record(result, toJson(result));
    }

    /** A result's JSON line as this pipeline writes it (marked when the answers are simulated). */
    public String toJson(PromptResult result) {
        return ResultJson.write(result, simulated);
    }

    /** As {@link #record(PromptResult)}, with the result's JSON already made. */
    public boolean record(PromptResult result, String json) throws IOException {
        Run run = runs.get(result.runId());
        if (run == null) {
            LOG.warn("result for line {} of run {} arrived after the run ended: ignored", result.line(),
                    result.runId());
            return false;
        }
        synchronized (run) {
            int line = (int) result.line();
            if (run.done.get(line)) {
                LOG.debug("line {} of run {} already has a result: the repeat is ignored", line, run.id);
                return false;
            }
            run.journal.append(json);
            if (run.streamedResults != null) {
                write(run.streamedResults, json);
            }
            run.done.set(line);
            run.resultCount++;
            return isComplete(run);
        }
    }

    /** Called by intake after the last line of the input was read; true when the run is already complete. */
    public boolean intakeDone(String runId) {
        Run run = get(runId);
        synchronized (run) {
            run.intakeDone = true;
            return isComplete(run);
        }
    }

    /** Counts a line read by intake (blank lines excluded). */
    public void lineSeen(String runId) {
        get(runId).linesSeen.incrementAndGet();
    }

    private static boolean isComplete(Run run) {
        return run.intakeDone && run.resultCount >= run.linesSeen.get();
    }

    /** Writes the ordered results, failed-lines file and summary; completes the run (once). */
    public RunSummary finish(String runId) throws IOException {
        Run run = get(runId);
        if (!run.finishing.compareAndSet(false, true)) {
            return null;
        }
        try {
            synchronized (run) {
                run.journal.close();
                if (run.streamedResults != null) {
                    run.streamedResults.close();
                }
            }
            RunSummary summary = finisher.finish(run);
            finished.put(runId, summary);
            runs.remove(runId);
            if (run.archiveWhenDone) {
                InboxFiles.moveToDone(run.input);
            }
            if (run.input == null) {
                InboxFiles.deleteTree(run.workDir); // message runs are not resumed from disk
            }
            run.completion.complete(summary);
            return summary;
        } catch (IOException | RuntimeException e) {
            runs.remove(runId);
            run.completion.completeExceptionally(e);
            throw e;
        }
    }

    /** Fails a run that could not be read to its end, so one-shot callers stop waiting. */
    public void abort(String runId, Throwable cause) {
        Run run = runs.remove(runId);
        if (run != null) {
            try {
                run.journal.close();
            } catch (IOException e) {
                cause.addSuppressed(e);
            }
            run.completion.completeExceptionally(cause);
        }
    }

    public RunSummary lastSummary(String runId) {
        return finished.get(runId);
    }

    public int activeRuns() {
        return runs.size();
    }

    static void write(FileChannel channel, String line) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static String sniffAndHash(Path file) throws IOException, UnreadableInputException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            long pos = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                if (pos < SNIFF_BYTES) {
                    for (int i = 0; i < Math.min(n, SNIFF_BYTES - pos); i++) {
                        if (buf[i] == 0) {
                            throw new UnreadableInputException(file.getFileName() + " looks like a binary file "
                                    + "(NUL byte at offset " + (pos + i) + "): expected UTF-8 text, JSONL or one "
                                    + "prompt per line");
                        }
                    }
                }
                sha.update(buf, 0, n);
                pos += n;
            }
        } catch (IOException e) {
            throw new UnreadableInputException("cannot read " + file.getFileName() + ": " + e.getMessage());
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static Run.Format formatOf(Path file, String name) throws IOException {
        String lower = name.toLowerCase();
        if (lower.endsWith(".txt")) {
            return Run.Format.TEXT;
        }
        if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json")) {
            return Run.Format.JSONL;
        }
        try (InputStream in = Files.newInputStream(file)) {
            int b;
            while ((b = in.read()) >= 0) {
                if (!Character.isWhitespace(b)) {
                    return b == '{' ? Run.Format.JSONL : Run.Format.TEXT;
                }
            }
        }
        return Run.Format.TEXT;
    }

    /**
     * The outbox base name of an input: its file name without the extension, without leading dots (so the
     * outputs are not hidden files) and short enough that NAME.results.jsonl stays within file-name limits.
     */
    static String outboxName(String fileName) {
        int dot = fileName.lastIndexOf('.');
        String base = dot > 0 ? fileName.substring(0, dot) : fileName;
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

}
