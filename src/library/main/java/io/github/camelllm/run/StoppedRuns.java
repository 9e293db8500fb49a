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
 * Runs that stopped before they were complete (storage fault, input changed). They take no further calls; the
 * answers of calls already in flight are still journaled while they come in (for a grace time), then the run
 * lets go of its files and locks. A run stopped by a storage fault is not opened again before its retry time.
 */
final class StoppedRuns {

    private static final Logger LOG = LoggerFactory.getLogger(StoppedRuns.class);

    private final long graceMs;
    private final long retryBrokenMs;
    private final Map<String, Run> draining = new ConcurrentHashMap<>();
    private final Map<String, Long> brokenUntil = new ConcurrentHashMap<>();
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

    StoppedRuns(long graceMs, long retryBrokenMs) {
        this.graceMs = graceMs;
        this.retryBrokenMs = retryBrokenMs;
    }

    /** Takes a run that just stopped; it closes when its outstanding calls are in, or after the grace time. */
    void add(Run run) {
        stopped.add(run.id);
        if (run.outstanding() > 0) {
            draining.put(run.id, run);
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
            run.record(result.line(), json);
        } catch (IOException e) {
            LOG.warn("run {} stopped: the answer to line {} (already paid) cannot be journaled either: {}", run.id,
                    result.line(), e.getMessage());
            run.recordedHere.incrementAndGet();
        }
        settle(run);
        return true;
    }

    /** Closes a draining run once no answer is outstanding. */
    void settle(Run run) {
        if (run.outstanding() == 0 && draining.containsKey(run.id)) {
            close(run);
        }
    }

    private void close(Run run) {
        draining.remove(run.id, run);
        run.close();
    }

    void closeAll() {
        for (Run run : List.copyOf(draining.values())) {
            close(run);
        }
        closer.shutdownNow();
    }
}
