package io.github.camelllm.run;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * How the most recent runs of this process ended, for callers that ask after the fact: their completions (in
 * progress, finished, stopped or written again from a journal) and the summaries of those that finished.
 */
final class RecentRuns {

    /** Enough for every caller that asks soon after its run; older runs answer from their outbox files. */
    private static final int KEPT = 256;

    private final Map<String, CompletableFuture<RunSummary>> completions = bounded();
    private final Map<String, RunSummary> summaries = bounded();

    /** A run opened (or completed at once from its journal). */
    void opened(Run run) {
        completions.put(run.id(), run.completion());
    }

    void finished(String runId, RunSummary summary) {
        summaries.put(runId, summary);
    }

    CompletableFuture<RunSummary> completionOf(String runId) {
        return completions.get(runId);
    }

    RunSummary summaryOf(String runId) {
        return summaries.get(runId);
    }

    /** Keeps the newest {@link #KEPT} entries. */
    private static <V> Map<String, V> bounded() {
        return Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > KEPT;
            }
        });
    }
}
