package io.github.camelllm.model;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lines of this instance's own runs it is calling right now. Over a broker, an instance that starts takes
 * work items off the queue before its own runs open again; a run opening here does not send a line again while
 * its call is in flight here (its result comes back to the run).
 */
public final class LinesInFlight {

    private record Line(String runId, long line) {
    }

    private final Set<Line> lines = ConcurrentHashMap.newKeySet();

    public void add(String runId, long line) {
        lines.add(new Line(runId, line));
    }

    public void remove(String runId, long line) {
        lines.remove(new Line(runId, line));
    }

    public boolean contains(String runId, long line) {
        return !lines.isEmpty() && lines.contains(new Line(runId, line));
    }
}
