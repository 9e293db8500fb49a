package io.github.camelllm.intake;

import io.github.camelllm.config.InboxConfig;
import io.github.camelllm.run.InboxFiles;
import io.github.camelllm.run.InputStamp;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Decides which inbox files are complete inputs, on every poll:
 * <ul>
 *   <li>temporary names are never inputs (write-then-rename: a copy tool writes {@code x.jsonl.part} or
 *   {@code .x.jsonl} and renames it when done);</li>
 *   <li>symbolic links and other non-regular files are ignored unless links are allowed;</li>
 *   <li>a file with a marker beside it ({@code x.jsonl.ready} or {@code x.jsonl.done}) is complete at once; with
 *   markers required, a file without one is never taken;</li>
 *   <li>otherwise a file is taken once its size and modification time have not changed for the stable time
 *   (three times that when it does not end with a newline, as a half-copied file usually does not).</li>
 * </ul>
 */
public final class InboxFilter implements GenericFileFilter<File> {

    private static final Logger LOG = LoggerFactory.getLogger(InboxFilter.class);
    private static final Set<String> TEMP_EXTENSIONS = Set.of(".tmp", ".temp", ".part", ".partial", ".crdownload",
            ".download", ".filepart", ".swp", ".ready", ".done", ".lock");

    private final long stableMs;
    private final boolean requireMarker;
    private final boolean followSymlinks;
    private final LongSupplier clock;
    private final Map<Path, Seen> seen = new ConcurrentHashMap<>();
    private final Set<Path> warned = ConcurrentHashMap.newKeySet();

    private record Seen(InputStamp stamp, long since) {
    }

    public InboxFilter(InboxConfig inbox) {
        this(inbox, System::currentTimeMillis);
    }

    InboxFilter(InboxConfig inbox, LongSupplier clock) {
        this.stableMs = inbox.readLock().toMillis();
        this.requireMarker = inbox.requireMarker();
        this.followSymlinks = inbox.followSymlinks();
        this.clock = clock;
    }

    @Override
    public boolean accept(GenericFile<File> file) {
        return !file.isDirectory() && accept(Path.of(file.getAbsoluteFilePath()));
    }

    public boolean accept(Path path) {
        String name = path.getFileName().toString();
        if (isTemporaryName(name)) {
            return false;
        }
        if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
                && !(followSymlinks && Files.isSymbolicLink(path) && Files.isRegularFile(path))) {
            if (warned.add(path)) {
                LOG.warn("inbox: {} is {}: ignored", name, Files.isSymbolicLink(path)
                        ? "a symbolic link (set llm.inbox.follow-symlinks=true to allow links)" : "not a regular file");
            }
            return false;
        }
        if (hasMarker(path)) {
            return true;
        }
        if (requireMarker) {
            return false;
        }
        return stable(path);
    }

    /** Names that copy tools, browsers and editors use while a file is still being written. */
    public static boolean isTemporaryName(String name) {
        if (name.startsWith(".") || name.startsWith("~") || name.endsWith("~")) {
            return true;
        }
        String lower = name.toLowerCase();
        int dot = lower.lastIndexOf('.');
        return dot > 0 && TEMP_EXTENSIONS.contains(lower.substring(dot));
    }

    static boolean hasMarker(Path path) {
        for (String marker : InboxFiles.MARKERS) {
            if (Files.exists(path.resolveSibling(path.getFileName() + marker))) {
                return true;
            }
        }
        return false;
    }

    private boolean stable(Path path) {
        InputStamp now = InputStamp.current(path);
        if (now == null) {
            seen.remove(path);
            return false;
        }
        if (seen.size() > 10_000) {
            seen.clear(); // files that left the inbox; the ones still there are simply timed again
        }
        long t = clock.getAsLong();
        Seen before = seen.get(path);
        if (before == null || !before.stamp().equals(now)) {
            seen.put(path, new Seen(now, t));
            return false;
        }
        long needed = endsWithNewline(path, now.size()) ? stableMs : 3 * stableMs;
        return t - before.since() >= needed;
    }

    private static boolean endsWithNewline(Path path, long size) {
        if (size == 0) {
            return false;
        }
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "r")) {
            f.seek(size - 1);
            return f.read() == '\n';
        } catch (IOException e) {
            return false;
        }
    }
}
