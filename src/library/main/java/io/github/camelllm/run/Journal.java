package io.github.camelllm.run;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The append-only results journal of a run: one JSON result per line.
 * <p>
 * Every append is one {@code write(2)} straight to the file (no user-space buffer), so a result that has been
 * appended survives a {@code kill -9} of the JVM; with {@code fsync} it also survives a power loss. A crash in
 * the middle of a write can leave a torn last line; opening the journal cuts it off. A write that fails (disk
 * full, I/O error) is cut off too, so a later append never glues onto half a record.
 */
public final class Journal implements Closeable {

    private final Path file;
    private final FileChannel channel;
    private final boolean fsync;
    /** End of the last complete record: where the next append starts. Guarded by this. */
    private long end;

    public Journal(Path file) throws IOException {
        this(file, false);
    }

    public Journal(Path file, boolean fsync) throws IOException {
        this.file = file;
        this.fsync = fsync;
        Files.createDirectories(file.getParent());
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        end = lastCompleteLineEnd(channel);
        channel.truncate(end);
        channel.position(end);
    }

    public Path file() {
        return file;
    }

    /** The journal's length in bytes: where the next record goes. */
    public synchronized long length() {
        return end;
    }

    public synchronized void append(String jsonLine) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap((jsonLine + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            while (buffer.hasRemaining()) {
                channel.write(buffer, end + buffer.position());
            }
            if (fsync) {
                channel.force(false);
            }
            end += buffer.limit();
        } catch (IOException e) {
            try {
                channel.truncate(end); // drop the partial record
            } catch (IOException alsoFailed) {
                e.addSuppressed(alsoFailed);
            }
            throw e;
        }
    }

    @Override
    public synchronized void close() throws IOException {
        channel.close();
    }

    private static long lastCompleteLineEnd(FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer one = ByteBuffer.allocate(1);
        for (long pos = size - 1; pos >= 0; pos--) {
            one.clear();
            ch.read(one, pos);
            if (one.get(0) == '\n') {
                return pos + 1;
            }
        }
        return 0;
    }

    /** A visitor of journal lines with their byte positions, for ordered output and summaries. */
    @FunctionalInterface
    public interface LineVisitor {
        void visit(long offset, int length, String line) throws IOException;
    }

    /**
     * A visitor of journal lines as bytes: the line is {@code bytes[start .. start + length)}, without its newline,
     * and those bytes are only valid during the call.
     */
    @FunctionalInterface
    public interface BytesVisitor {
        void visit(long offset, byte[] bytes, int start, int length) throws IOException;
    }

    /** Streams every complete line of a journal file (a torn last line is ignored). */
    public static void scan(Path file, LineVisitor visitor) throws IOException {
        scan(file, (offset, bytes, start, length) ->
                visitor.visit(offset, length, new String(bytes, start, length, StandardCharsets.UTF_8)));
    }

    /**
     * Streams every complete line of a journal file as bytes (a torn last line is ignored), each straight from
     * the read buffer: nothing is copied or decoded that the visitor does not ask for.
     */
    public static void scan(Path file, BytesVisitor visitor) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            long bufStart = 0; // the file position of buf[0]
            int lineStart = 0; // where the line not yet complete starts in buf
            int filled = 0;
            int n;
            while ((n = in.read(buf, filled, buf.length - filled)) >= 0) {
                int end = filled + n;
                for (int i = filled; i < end; i++) {
                    if (buf[i] == '\n') {
                        visitor.visit(bufStart + lineStart, buf, lineStart, i - lineStart);
                        lineStart = i + 1;
                    }
                }
                filled = end;
                if (filled == buf.length) { // room for the rest of the line: move it to the front, or grow
                    if (lineStart == 0) {
                        buf = Arrays.copyOf(buf, buf.length * 2);
                    } else {
                        System.arraycopy(buf, lineStart, buf, 0, filled - lineStart);
                        bufStart += lineStart;
                        filled -= lineStart;
                        lineStart = 0;
                    }
                }
            }
        }
    }
}
