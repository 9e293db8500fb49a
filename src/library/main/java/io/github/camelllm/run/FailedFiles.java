package io.github.camelllm.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Which run a failed file belongs to: when a run writes {@code NAME.failed.jsonl}, the work root remembers the
 * file's content (its SHA-256) with the run's id and the run's lines it holds, in order
 * ({@code <work>/.failed/<sha256>.lines}). A file of that content dropped in again (or given to {@code run FILE})
 * is then opened as that run, and its answers are journaled as the run's own lines. An edited failed file is new
 * content, and a run of its own.
 */
final class FailedFiles {

    static final String DIR = ".failed";

    /** A failed file of a run: the run's id, and the run's line of each of the file's lines. */
    record Entry(String runId, long[] lines) {
    }

    private FailedFiles() {
    }

    /** @param content the run id on the first line, then the run's line of each of the file's lines */
    static void remember(Path workRoot, String sha256, String content) throws IOException {
        Path dir = workRoot.resolve(DIR);
        Files.createDirectories(dir);
        AtomicFiles.write(dir.resolve(sha256 + ".lines"), content);
    }

    /** The run a file of this content was written for, or null when it is no failed file of a run here. */
    static Entry find(Path workRoot, String sha256) {
        Path file = workRoot.resolve(DIR).resolve(sha256 + ".lines");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            List<String> text = Files.readAllLines(file);
            if (text.isEmpty() || text.get(0).isBlank()) {
                return null;
            }
            long[] lines = new long[text.size() - 1];
            for (int i = 1; i < text.size(); i++) {
                lines[i - 1] = Long.parseLong(text.get(i).trim());
                if (lines[i - 1] < 1 || (i > 1 && lines[i - 1] <= lines[i - 2])) {
                    return null; // not what this class writes: the file is run as an input of its own
                }
            }
            return new Entry(text.get(0).trim(), lines);
        } catch (IOException | NumberFormatException unreadable) {
            return null;
        }
    }
}
