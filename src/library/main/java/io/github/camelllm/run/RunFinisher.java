package io.github.camelllm.run;

import java.io.IOException;

/**
 * Ends runs that have every result they will get: writes their outputs from the journal, prunes the dated outputs
 * of scheduled runs, moves a service-mode input to {@code .done} (or {@code .failed} when it changed), lets go of
 * the run's files and locks, and completes it (once).
 */
final class RunFinisher {

    private final ActiveRuns active;
    private final RecentRuns recent;
    private final RunOutputs outputs;
    private final StoppedRuns stopped;
    /** llm.schedule.keep-outputs: how many dated output sets of a scheduled input are kept. */
    private final int scheduledKeep;

    RunFinisher(ActiveRuns active, RecentRuns recent, RunOutputs outputs, StoppedRuns stopped, int scheduledKeep) {
        this.active = active;
        this.recent = recent;
        this.outputs = outputs;
        this.stopped = stopped;
        this.scheduledKeep = scheduledKeep;
    }

    /** Writes the outputs of an active, complete run; null when it is not active here or another caller does. */
    RunSummary finish(String runId) throws IOException {
        Run run = active.find(runId);
        if (run == null || !run.beginFinishing()) {
            return null;
        }
        try {
            run.closeFiles();
            RunSummary summary = outputs.write(run, null);
            recent.finished(runId, summary);
            active.remove(run);
            Run.Setup setup = run.setup();
            if (setup.scheduled()) {
                Outbox.prune(setup.outbox(), Outbox.baseName(run.input().getFileName().toString()), scheduledKeep);
            }
            InboxFiles.archive(run);
            // a message run's folder stays until its results are delivered (RunRegistry.release)
            run.close();
            stopped.outputsWritten(runId);
            run.completed(summary);
            return summary;
        } catch (IOException | RuntimeException e) {
            active.remove(run);
            run.close();
            if (e instanceof IOException notWritten && run.setup().archiveWhenDone()) {
                stopped.outputsFailed(run, notWritten); // the service tries again later, at growing intervals
            }
            run.failed(e);
            throw e;
        }
    }

    /**
     * Completes a run whose content completed before, from its journal: its outputs are written again (in input
     * order, with the times it recorded) and nothing is called. The run was never active.
     *
     * @param recorded what the completed run's summary recorded; null when it cannot be read (then the times are
     *                 this writing's)
     */
    RunSummary finishAgain(Run run, RunStore.Recorded recorded) throws IOException {
        RunSummary summary;
        try {
            summary = outputs.write(run, recorded);
        } finally {
            run.closeFiles();
        }
        recent.finished(run.id(), summary);
        if (run.setup().archiveWhenDone()) {
            InboxFiles.moveToDone(run.input());
        }
        run.close();
        recent.opened(run);
        run.completed(summary);
        return summary;
    }
}
