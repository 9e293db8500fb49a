package io.github.camelllm.run;

import org.apache.camel.component.file.GenericFile;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Looks at an input file before it becomes a run: is it a regular, readable, non-empty text file; its SHA-256
 * (the run id is its first 16 hex digits); its format. Hashes are cached by path, size and modification time,
 * so an inbox file seen again on every poll is read only once.
 */
public final class InputFiles {

    private static final int SNIFF_BYTES = 8192;
    private static final int CACHE_LIMIT = 4096;

    /** What is known about one input file at the moment it was inspected. */
    public record Inspected(Path path, String sha256, InputStamp stamp, Run.Format format, boolean followLinks) {
        public String runId() {
            return sha256.substring(0, 16);
        }
    }

    private final boolean followSymlinks;
    private final Map<Path, Inspected> cache = new ConcurrentHashMap<>();

    public InputFiles(boolean followSymlinks) {
        this.followSymlinks = followSymlinks;
    }

    /**
     * @param named the file was named explicitly ({@code run FILE}, the schedule folder), not found in the inbox:
     *              a symbolic link is then what its user meant and is followed
     * @throws UnreadableInputException the file can never be run (binary, empty, not a regular file, unreadable)
     * @throws RunBusyException         the file changed while it was being read: look again later
     */
    public Inspected inspect(Path file, boolean named) throws IOException, UnreadableInputException,
            RunBusyException {
        boolean follow = named || followSymlinks;
        if (Files.isSymbolicLink(file) && !follow) {
            throw new UnreadableInputException(file.getFileName() + " is a symbolic link: not followed "
                    + "(set llm.inbox.follow-symlinks=true to allow links)");
        }
        if (!Files.isRegularFile(file)) {
            throw new UnreadableInputException("not a regular file: " + file);
        }
        if (!Files.isReadable(file)) {
            throw new UnreadableInputException("cannot read " + file.getFileName() + ": permission denied");
        }
        InputStamp before = InputStamp.of(file);
        if (before.size() == 0) {
            throw new UnreadableInputException(file.getFileName() + " is empty: there are no prompts in it");
        }
        Path key = file.toAbsolutePath().normalize();
        Inspected known = cache.get(key);
        if (known != null && known.stamp().equals(before) && known.followLinks() == follow) {
            return known;
        }
        String hash = sniffAndHash(file, follow);
        InputStamp after = InputStamp.of(file);
        if (!after.equals(before)) {
            throw new RunBusyException(file.getFileName() + " changed while it was being read: it is still being "
                    + "written");
        }
        Inspected inspected = new Inspected(file, hash, before, formatOf(file, follow), follow);
        if (cache.size() > CACHE_LIMIT) {
            cache.clear();
        }
        cache.put(key, inspected);
        return inspected;
    }

    /** Opens an inspected file for reading, as it was inspected (a link is not followed unless it was then). */
    public InputStream open(Inspected inspected) throws IOException {
        return open(inspected.path(), inspected.followLinks());
    }

    private static InputStream open(Path file, boolean followLinks) throws IOException {
        OpenOption[] options = followLinks ? new OpenOption[]{StandardOpenOption.READ}
                : new OpenOption[]{StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS};
        return Channels.newInputStream(FileChannel.open(file, options));
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String sniffAndHash(Path file, boolean follow) throws UnreadableInputException {
        MessageDigest sha = sha256();
        try (InputStream in = open(file, follow)) {
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

    private static Run.Format formatOf(Path file, boolean follow) throws IOException {
        String lower = file.getFileName().toString().toLowerCase();
        if (lower.endsWith(".txt")) {
            return Run.Format.TEXT;
        }
        if (lower.endsWith(".jsonl") || lower.endsWith(".ndjson") || lower.endsWith(".json")) {
            return Run.Format.JSONL;
        }
        try (InputStream in = open(file, follow)) {
            int b;
            while ((b = in.read()) >= 0) {
                if (!Character.isWhitespace(b)) {
                    return b == '{' ? Run.Format.JSONL : Run.Format.TEXT;
                }
            }
        }
        return Run.Format.TEXT;
    }

    /** The file an input message names: a file consumer's file, a File, a Path or a path as text. */
    public static Path pathOf(Object body) {
        if (body instanceof GenericFile<?> gf) {
            return Path.of(gf.getAbsoluteFilePath());
        }
        if (body instanceof File f) {
            return f.toPath();
        }
        if (body instanceof Path p) {
            return p;
        }
        if (body instanceof String s) {
            return Path.of(s);
        }
        throw new IllegalArgumentException("expected a file, got " + (body == null ? "nothing" : body.getClass()));
    }
}
