package io.github.camelllm.run;

import io.github.camelllm.model.PromptResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Stops runs before they are complete (storage fault, input changed) and keeps them while they drain. A stopped
 * run takes no further calls and completes with the cause; the answers of calls already in flight are still
 * journaled while they come in (for a grace time), then the run lets go of its files and locks. Its work folder
 * stays, so it resumes later; a run stopped by a storage fault is not opened again before its retry time.
 */
final class StoppedRuns {

    private static final Logger LOG = LoggerFactory.getLogger(StoppedRuns.class);

    private final ActiveRuns active;
    private final long graceMs;
    private final long retryBrokenMs;
    private final Map<String, Run> draining = new ConcurrentHashMap<>();
    private final Map<String, Long> brokenUntil = new ConcurrentHashMap<>();
    /** Runs complete in their journal whose outputs could not be written: how many times in a row. */
    private final Map<String, Integer> outputFailures = new ConcurrentHashMap<>();
    /** Recently stopped runs: calls still queued for them are not made. */
    private final Set<String> stopped = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > 1024;
                }
            }));
    private final ScheduledExecutorService closer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "llm-run-closer");
        t.setDaemon(true);
        return t;
    });

    StoppedRuns(ActiveRuns active, long graceMs, long retryBrokenMs) {
        this.active = active;
        this.graceMs = graceMs;
        this.retryBrokenMs = retryBrokenMs;
    }

    /**
     * Stops an active run: no further calls are made for it, it completes with {@code cause}, and the answers of
     * calls already in flight are still journaled when they come. A run that changed under it in service mode
     * moves to the inbox's .failed folder.
     */
    void stop(String runId, Throwable cause) {
        Run run = active.find(runId);
        if (run == null || !run.markStopped()) {
            return; // not here, or stopped already (by another thread's failed write)
        }
        String message = cause.getMessage() + "; no further calls are made for this run (" + run.outstanding()
                + " of its calls were queued or in flight)";
        LOG.error("run {} stopped: {}", runId, message);
        if (cause instanceof InputChangedException && run.setup().archiveWhenDone()) {
            try {
                InboxFiles.moveToFailed(run.input(), cause.getMessage() + "; its results so far stay in "
                        + run.workDir());
            } catch (IOException e) {
                LOG.warn("cannot move {} to .failed: {}", run.input(), e.getMessage());
            }
        }
        drain(run); // before it leaves the active runs: an answer arriving now is still journaled
        active.remove(run);
        run.failed(cause instanceof RunStorageException
                ? new RunStorageException(message, cause.getCause()) : new IOException(message, cause));
    }

    /**
     * A result could not be journaled: the run stops (its answer is lost, and is no longer outstanding) and is
     * not opened again before the retry time.
     *
     * @return the fault, for the caller to throw
     */
    RunStorageException journalFailed(Run run, IOException e) {
        RunStorageException fault = RunStorageException.of(run.id(), run.journalFile(), e);
        run.answerLost();
        broken(run.id());
        stop(run.id(), fault);
        settle(run);
        return fault;
    }

    /** Keeps a run that just stopped; it closes when its outstanding calls are in, or after the grace time. */
    private void drain(Run run) {
        stopped.add(run.id());
        if (run.outstanding() > 0) {
            draining.put(run.id(), run);
            closer.schedule(() -> close(run), graceMs, TimeUnit.MILLISECONDS);
        } else {
            close(run);
        }
    }

    boolean isStopped(String runId) {
        return stopped.contains(runId);
    }

    boolean isDraining(String runId) {
        return draining.containsKey(runId);
    }

    /** A storage fault stopped the run: the service tries it again after the retry time. */
    void broken(String runId) {
        brokenUntil.put(runId, System.currentTimeMillis() + retryBrokenMs);
    }

    /**
     * A complete run's outputs could not be written (a read-only or full outbox): nothing is lost, its journal has
     * every result. Said once, without a stack trace; the service tries again at growing intervals (1 s, 2 s, 4 s
     * ... up to llm.run.retry-broken-ms), not at every poll of the inbox.
     */
    void outputsFailed(Run run, IOException e) {
        int failures = outputFailures.merge(run.id(), 1, Integer::sum);
        long delay = Math.min(retryBrokenMs, 1000L << Math.min(failures - 1, 20));
        brokenUntil.put(run.id(), System.currentTimeMillis() + delay);
        if (failures == 1) {
            LOG.warn("run {} has every result in its journal, but its outputs cannot be written ({}): tried again at "
                    + "growing intervals, up to every {} s (llm.run.retry-broken-ms)", run.id(), e.getMessage(),
                    retryBrokenMs / 1000);
        } else {
            LOG.debug("run {}: outputs still cannot be written ({}), attempt {}; next in {} ms", run.id(),
                    e.getMessage(), failures, delay);
        }
    }

    /** A run's outputs were written: after failures, that is said too. */
    void outputsWritten(String runId) {
        Integer failures = outputFailures.remove(runId);
        if (failures != null) {
            LOG.info("run {}: outputs written, after {} attempts that could not write them", runId, failures);
        }
    }

    boolean inBackoff(String runId) {
        Long until = brokenUntil.get(runId);
        return until != null && System.currentTimeMillis() < until;
    }

    /** The run opened again. */
    void reopened(String runId) {
        brokenUntil.remove(runId);
        stopped.remove(runId);
    }

    /** @return false when the result's run is not draining here */
    boolean recordLate(PromptResult result, String json) {
        Run run = draining.get(result.runId());
        if (run == null) {
            return false;
        }
        try {
            run.record(result, json);
        } catch (IOException e) {
            LOG.warn("run {} stopped: the answer to line {} (already paid) cannot be journaled either: {}",
                    run.id(), result.line(), e.getMessage());
            run.answerLost();
        }
        settle(run);
        return true;
    }

    /** Closes a draining run once no answer is outstanding. */
    void settle(Run run) {
        if (run.outstanding() == 0 && draining.containsKey(run.id())) {
            close(run);
        }
    }

    private void close(Run run) {
        draining.remove(run.id(), run);
        run.close();
    }

    void closeAll() {
        for (Run run : List.copyOf(draining.values())) {
            close(run);
        }
        closer.shutdownNow();
    }
}
