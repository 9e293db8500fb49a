package io.github.camelllm.run;

import io.github.camelllm.model.PromptResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Results for a run that is not open in this process. Over a broker they come back on the owner's results queue
 * whenever they are ready: while the owner was stopped the broker kept them, and they arrive as it starts again,
 * before the run is opened again. Dropping such a result would have the run's next opening call its line again
 * (paid twice), so it is appended to the run's journal under the run's lock, as an open run would: the next opening
 * finds the line answered. A run being opened by this process right now gets the result once it is open; a run
 * that completed, that another process holds, or that has no work folder here, keeps its result out (said once
 * per result).
 */
final class ClosedRunResults {

    private static final Logger LOG = LoggerFactory.getLogger(ClosedRunResults.class);

    /** Run ids as this pipeline makes them; anything else never names a folder. */
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");

    private final Path workRoot;
    private final ActiveRuns active;
    private final boolean fsync;
    private final long openingWaitMs;

    /**
     * @param fsync         every journal append is forced to the device
     * @param openingWaitMs how long a result waits for a run this process is opening right now
     */
    ClosedRunResults(Path workRoot, ActiveRuns active, boolean fsync, long openingWaitMs) {
        this.workRoot = workRoot;
        this.active = active;
        this.fsync = fsync;
        this.openingWaitMs = openingWaitMs;
    }

    /**
     * Journals a result of a run that is not open here.
     *
     * @return the run when it is open here by now (the caller records the result in it); null when the result was
     * journaled in the run's folder, or kept out
     */
    Run journal(PromptResult result, String json) throws IOException, InterruptedException {
        String runId = result.runId();
        Path workDir = runId == null || !RUN_ID.matcher(runId).matches() ? null : workRoot.resolve(runId);
        if (workDir == null || !Files.isDirectory(workDir)) {
            LOG.warn("result for line {} of run {} arrived, but no such run has a work folder in {}: ignored",
                    result.line(), runId, workRoot);
            return null;
        }
        Path lockFile = workDir.resolve(RunStore.LOCK);
        long until = System.nanoTime() + openingWaitMs * 1_000_000;
        while (true) {
            Run run = active.find(runId);
            if (run != null) {
                return run;
            }
            if (OwnerLock.whileFree(lockFile, () -> appendClosed(result, json, workDir))) {
                return null;
            }
            boolean openingHere = OwnerLock.holderOf(lockFile).startsWith(OwnerLock.HOLDER);
            if (!openingHere || System.nanoTime() >= until) {
                LOG.warn("result for line {} of run {} arrived while {} holds the run: ignored (its line is asked "
                        + "again there)", result.line(), runId,
                        openingHere ? "this process" : OwnerLock.holderOf(lockFile));
                return null;
            }
            run = active.await(runId, 100);
            if (run != null) {
                return run;
            }
        }
    }

    private void appendClosed(PromptResult result, String json, Path workDir) throws IOException {
        if (RunStore.completed(workDir)) {
            LOG.warn("result for line {} of run {} arrived after the run ended: ignored", result.line(),
                    result.runId());
            return;
        }
        try (Journal journal = new Journal(workDir.resolve(RunStore.JOURNAL), fsync)) {
            journal.append(json);
        }
        LOG.info("result for line {} of run {} arrived while the run is not open here: journaled, so its next "
                + "opening finds the line answered", result.line(), result.runId());
    }
}
