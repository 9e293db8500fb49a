package io.github.camelllm.run;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Streams the lines of an input without ever holding more than one line (capped at {@code maxLineBytes}).
 * <p>
 * Camel's own tokenizer would decode with replacement characters and buffer any line whole, so it could neither
 * report bytes that are not UTF-8 nor survive a gigabyte without a newline. This reader checks both per line and
 * turns them into {@link RawLine#error()} so the rest of the file goes on. Blank lines are skipped, but counted.
 */
public final class LineReader implements Iterator<RawLine>, Closeable {

    private static final int CHUNK = 64 * 1024;

    private final InputStream in;
    private final int maxLineBytes;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    private final byte[] chunk = new byte[CHUNK];
    private int chunkPos;
    private int chunkLen;
    private byte[] line = new byte[256];
    private CharBuffer chars = CharBuffer.allocate(256);
    private long lineNumber;
    private boolean eof;
    private RawLine next;

    public LineReader(InputStream in, int maxLineBytes) {
        this.in = in;
        this.maxLineBytes = maxLineBytes;
    }

    @Override
    public boolean hasNext() {
        if (next == null && !eof) {
            next = readNonBlank();
        }
        return next != null;
    }

    @Override
    public RawLine next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        RawLine result = next;
        next = null;
        return result;
    }

    private RawLine readNonBlank() {
        try {
            while (true) {
                RawLine raw = readLine();
                if (raw == null) {
                    eof = true;
                    close();
                    return null;
                }
                if (raw.error() != null || !raw.text().isBlank()) {
                    return raw;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read input at line " + (lineNumber + 1) + ": " + e.getMessage(), e);
        }
    }

    /** Reads one physical line; null at end of input. */
    private RawLine readLine() throws IOException {
        int len = 0;
        long total = 0;
        boolean sawAny = false;
        while (true) {
            if (chunkPos >= chunkLen) {
                chunkLen = in.read(chunk, 0, CHUNK);
                chunkPos = 0;
                if (chunkLen <= 0) {
                    chunkLen = 0;
                    if (!sawAny) {
                        return null;
                    }
                    break;
                }
            }
            sawAny = true;
            int start = chunkPos;
            int end = start;
            while (end < chunkLen && chunk[end] != '\n') {
                end++;
            }
            int n = end - start;
            total += n;
            if (total <= maxLineBytes) {
                if (len + n > line.length) {
                    line = Arrays.copyOf(line, Math.max(line.length * 2, len + n));
                }
                System.arraycopy(chunk, start, line, len, n);
                len += n;
            }
            if (end < chunkLen) {
                chunkPos = end + 1;
                break;
            }
            chunkPos = chunkLen;
        }
        lineNumber++;
        if (total > maxLineBytes) {
            return new RawLine(lineNumber, null,
                    "line is " + total + " bytes, over the limit llm.input.max-line-bytes=" + maxLineBytes);
        }
        if (len > 0 && line[len - 1] == '\r') {
            len--;
        }
        int offset = 0;
        if (lineNumber == 1 && len >= 3 && (line[0] & 0xff) == 0xEF && (line[1] & 0xff) == 0xBB
                && (line[2] & 0xff) == 0xBF) {
            offset = 3; // UTF-8 byte order mark
        }
        return decode(offset, len);
    }

    private RawLine decode(int offset, int len) {
        ByteBuffer bytes = ByteBuffer.wrap(line, offset, len - offset);
        if (chars.capacity() < len) {
            chars = CharBuffer.allocate(Math.max(len, chars.capacity() * 2));
        }
        chars.clear();
        CoderResult result = decoder.reset().decode(bytes, chars, true);
        if (!result.isError()) {
            result = decoder.flush(chars);
        }
        if (result.isError()) {
            int at = bytes.position();
            return new RawLine(lineNumber, null, String.format(
                    "line is not valid UTF-8 text (byte 0x%02X at column %d)", line[at] & 0xff, at - offset + 1));
        }
        chars.flip();
        return new RawLine(lineNumber, chars.toString(), null);
    }

    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException e) {
            // nothing useful to do: the input was fully read or already failed
        }
    }
}
