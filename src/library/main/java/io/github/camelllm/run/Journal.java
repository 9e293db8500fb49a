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

    /** Streams every complete line of a journal file (a torn last line is ignored). */
    public static void scan(Path file, LineVisitor visitor) throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[64 * 1024];
            byte[] line = new byte[1024];
            int len = 0;
            long lineStart = 0;
            long pos = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    pos++;
                    if (b == '\n') {
                        visitor.visit(lineStart, len, new String(line, 0, len, StandardCharsets.UTF_8));
                        len = 0;
                        lineStart = pos;
                    } else {
                        if (len == line.length) {
                            line = Arrays.copyOf(line, len * 2);
                        }
                        line[len++] = b;
                    }
                }
            }
        }
    }
}
