package io.github.camelllm.run;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** The runs in progress in this process, by run id and by input file: none is opened twice here. */
final class ActiveRuns {

    private final Map<String, Run> byId = new ConcurrentHashMap<>();
    /** Input paths of the file runs in progress here (absolute, normalized), with their run ids. */
    private final Map<Path, String> byInput = new ConcurrentHashMap<>();

    Run find(String runId) {
        return runId == null ? null : byId.get(runId);
    }

    /**
     * The id of the run this process works on for this run id or this input file; null when there is none.
     */
    String working(String runId, Path input) {
        if (byId.containsKey(runId)) {
            return runId;
        }
        return byInput.get(key(input));
    }

    void add(Run run) {
        byId.put(run.id(), run);
        if (run.input() != null) {
            byInput.put(key(run.input()), run.id());
        }
        synchronized (this) {
            notifyAll();
        }
    }

    /** Waits up to {@code ms} for a run to be added; the run when it is in progress here by then, else null. */
    Run await(String runId, long ms) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
        synchronized (this) {
            Run run;
            long left;
            while ((run = find(runId)) == null && (left = until - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            return run;
        }
    }

    /** The run is no longer in progress here (finished, stopped, closed). */
    void remove(Run run) {
        byId.remove(run.id(), run);
        if (run.input() != null) {
            byInput.remove(key(run.input()), run.id());
        }
    }

    List<Run> all() {
        return List.copyOf(byId.values());
    }

    int size() {
        return byId.size();
    }

    private static Path key(Path input) {
        return input.toAbsolutePath().normalize();
    }
}
