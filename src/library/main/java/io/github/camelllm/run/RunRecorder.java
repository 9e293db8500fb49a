package io.github.camelllm.run;

import io.github.camelllm.json.ResultJson;
import io.github.camelllm.model.PromptResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Records final results: each is appended to its run's journal (and streamed results file) before it counts. A
 * result of a run that stopped is still journaled while the run drains, and one of a run not open here goes to the
 * run's journal in its folder ({@link ClosedRunResults}); a journal that cannot be written stops its run.
 */
final class RunRecorder {

    private static final Logger LOG = LoggerFactory.getLogger(RunRecorder.class);

    private final ActiveRuns active;
    private final StoppedRuns stopped;
    private final ClosedRunResults closed;
    private final boolean simulated;

    /** @param simulated the answers come from the built-in simulator: every result says so */
    RunRecorder(ActiveRuns active, StoppedRuns stopped, ClosedRunResults closed, boolean simulated) {
        this.active = active;
        this.stopped = stopped;
        this.closed = closed;
        this.simulated = simulated;
    }

    /** A result's JSON line as this pipeline writes it (marked when the answers are simulated). */
    String toJson(PromptResult result) {
        return ResultJson.write(result, simulated);
    }

    /**
     * @return true when this result was its run's last one
     * @throws RunStorageException the journal cannot be written: the run has stopped
     */
    boolean record(PromptResult result, String json) throws IOException {
        Run run = active.find(result.runId());
        if (run == null) {
            if (stopped.recordLate(result, json) || (run = openedMeanwhile(result, json)) == null) {
                return false;
            }
        }
        try {
            boolean complete = run.record(result, json);
            if (!run.accepting()) {
                stopped.settle(run); // the run stopped while this answer was on its way
            }
            return complete;
        } catch (IOException e) {
            throw stopped.journalFailed(run, e);
        }
    }

    /** A result of a run not open here goes to its journal; the run when it opened here meanwhile. */
    private Run openedMeanwhile(PromptResult result, String json) throws IOException {
        try {
            return closed.journal(result, json);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("result for line {} of run {} not journaled: interrupted while its run was being opened",
                    result.line(), result.runId());
            return null;
        }
    }
}
