package io.github.camelllm.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Where inbox files go when their run is over: {@code .done/}, or {@code .failed/} with a reason beside them. */
public final class InboxFiles {

    private static final Logger LOG = LoggerFactory.getLogger(InboxFiles.class);
    /** Marker files that say "x.jsonl is complete": {@code x.jsonl.ready} or {@code x.jsonl.done}. */
    public static final List<String> MARKERS = List.of(".ready", ".done");

    private InboxFiles() {
    }

    public static Path moveToDone(Path input) throws IOException {
        return moveInto(input, ".done");
    }

    /**
     * Moves an input that cannot be processed at all to {@code .failed/} and writes {@code NAME.error.txt} beside
     * it (NAME without the extension, as in the outbox).
     */
    public static Path moveToFailed(Path input, String reason) throws IOException {
        if (input != null && Files.exists(input)) {
            // the reason first: whoever finds the file in .failed/ finds why beside it
            Path dir = input.toAbsolutePath().getParent().resolve(".failed");
            Files.createDirectories(dir);
            Path note = dir.resolve(Outbox.baseName(input.getFileName().toString()) + ".error.txt");
            Files.writeString(note, "cannot process " + input.getFileName() + ": " + reason + "\n");
        }
        Path target = moveInto(input, ".failed");
        LOG.error("input {} moved to {}: {}", input.getFileName(), target.getParent(), reason);
        return target;
    }

    private static Path moveInto(Path input, String folder) throws IOException {
        if (input == null || !Files.exists(input)) {
            return input;
        }
        Path dir = input.toAbsolutePath().getParent().resolve(folder);
        Files.createDirectories(dir);
        Path target = dir.resolve(input.getFileName());
        if (Files.exists(target)) {
            target = dir.resolve(input.getFileName() + "." + System.currentTimeMillis());
        }
        Path moved;
        try {
            moved = Files.move(input, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException notAtomic) {
            moved = Files.move(input, target);
        }
        for (String marker : MARKERS) {
            Files.deleteIfExists(input.resolveSibling(input.getFileName() + marker));
        }
        return moved;
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Service mode: the input moves to .done, or to .failed when it changed while its run was in progress. */
    static void archive(Run run) throws IOException {
        Run.Setup setup = run.setup();
        if (setup.input() == null) {
            return;
        }
        Path input = setup.inputPath();
        InputStamp now = InputStamp.current(input);
        if (now != null && !now.equals(setup.input().stamp())) {
            String reason = input.getFileName() + " changed while its run " + run.id() + " was in progress: the "
                    + "outputs are those of the content as it was when the run started; the changed content was "
                    + "not run (to run it, drop it in again under a new name)";
            if (setup.archiveWhenDone()) {
                InboxFiles.moveToFailed(input, reason);
            } else {
                LOG.warn(reason);
            }
        } else if (setup.archiveWhenDone()) {
            InboxFiles.moveToDone(input);
        }
    }
}
