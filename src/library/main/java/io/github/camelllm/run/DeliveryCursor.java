package io.github.camelllm.run;

import io.github.camelllm.json.ResultJson;
import io.github.camelllm.model.PromptResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * How far a run's results have been handed on to the host ({@code delivered} beside the journal: the byte offset
 * in {@code journal.jsonl} up to which every result was delivered). Results are read back from the journal, so a
 * result is handed on only once it is durable, and one the host did not take (its endpoint down, the process
 * stopped) is handed on again later, after a restart too: at least once, in journal order.
 * <p>
 * The offset is rewritten in place with one {@code write(2)} after each delivery; a crash between a delivery and
 * that write hands the result on once more after the restart.
 */
public final class DeliveryCursor implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryCursor.class);

    /** The file beside the journal. */
    public static final String FILE = "delivered";
    private static final int WIDTH = 20;

    /** One journaled result with where the next one starts. */
    public record Entry(PromptResult result, String json, long end) {
    }

    private final String runId;
    private final Path journal;
    private final FileChannel offsetFile;
    private FileChannel journalChannel;
    private long offset;

    private DeliveryCursor(String runId, Path workDir) throws IOException {
        this.runId = runId;
        this.journal = workDir.resolve(RunStore.JOURNAL);
        this.offsetFile = FileChannel.open(workDir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        this.offset = readOffset();
    }

    /** Starts owing this work folder's results to the host (nothing delivered yet), unless it already does. */
    public static void begin(Path workDir) throws IOException {
        Path file = workDir.resolve(FILE);
        if (!Files.exists(file)) {
            Files.createDirectories(workDir);
            AtomicFiles.write(file, format(0));
        }
    }

    /** Whether this work folder's results are owed to the host (delivered, or still to be). */
    public static boolean owed(Path workDir) {
        return Files.exists(workDir.resolve(FILE));
    }

    /** Nothing more is owed: the cursor goes. */
    public static void end(Path workDir) throws IOException {
        Files.deleteIfExists(workDir.resolve(FILE));
    }

    public static DeliveryCursor open(String runId, Path workDir) throws IOException {
        return new DeliveryCursor(runId, workDir);
    }

    /** The next journaled result not yet delivered, or null when every complete record so far was. */
    public Entry next() throws IOException {
        while (true) {
            if (journalChannel == null) {
                if (!Files.exists(journal)) {
                    return null;
                }
                journalChannel = FileChannel.open(journal, StandardOpenOption.READ);
            }
            ByteArrayOutputStream line = new ByteArrayOutputStream(512);
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            long pos = offset;
            long end = -1;
            while (end < 0) {
                buffer.clear();
                int n = journalChannel.read(buffer, pos);
                if (n <= 0) {
                    return null; // no complete record after the cursor (a record being written has no newline yet)
                }
                for (int i = 0; i < n; i++) {
                    byte b = buffer.get(i);
                    if (b == '\n') {
                        end = pos + i + 1;
                        break;
                    }
                    line.write(b);
                }
                if (end < 0) {
                    pos += n;
                }
            }
            String json = line.toString(StandardCharsets.UTF_8);
            try {
                return new Entry(ResultJson.read(runId, json), json, end);
            } catch (IOException | RuntimeException unreadable) {
                LOG.warn("run {}: journal record at byte {} is not a readable result: not delivered", runId, offset);
                advance(end);
            }
        }
    }

    /** Every record before {@code end} was delivered. */
    public void advance(long end) throws IOException {
        offsetFile.write(ByteBuffer.wrap(format(end).getBytes(StandardCharsets.US_ASCII)), 0);
        offset = end;
    }

    /** Whether every complete record of the journal has been delivered. */
    public boolean atEnd() throws IOException {
        return !Files.exists(journal) || lastCompleteEnd() <= offset;
    }

    private long lastCompleteEnd() throws IOException {
        try (FileChannel ch = FileChannel.open(journal, StandardOpenOption.READ)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            for (long pos = ch.size() - 1; pos >= offset; pos--) {
                one.clear();
                ch.read(one, pos);
                if (one.get(0) == '\n') {
                    return pos + 1;
                }
            }
            return offset;
        }
    }

    private long readOffset() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(WIDTH + 1);
        offsetFile.read(buffer, 0);
        String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
        try {
            return text.isEmpty() ? 0 : Long.parseLong(text);
        } catch (NumberFormatException unreadable) {
            LOG.warn("run {}: {} is unreadable ('{}'): its results are delivered again from the start", runId, FILE,
                    text);
            return 0;
        }
    }

    private static String format(long offset) {
        return String.format("%0" + WIDTH + "d", offset) + "\n";
    }

    @Override
    public void close() {
        try {
            offsetFile.close();
            if (journalChannel != null) {
                journalChannel.close();
            }
        } catch (IOException ignored) {
            // read-only journal channel and an offset already written
        }
    }
}
