package io.github.camelllm.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.cost.SpendListener;
import io.github.camelllm.cost.SpendRules;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Opens runs: claims a file's run for this process ({@link RunClaim}), applies the duplicate policy to content
 * that completed a run before, and resumes a run whose work folder has a journal.
 * <p>
 * Opening a run again finishes the job: the lines whose latest result is ok or invalid are done, and the lines
 * that ended in an error are sent again (never the others: nothing is paid twice). Content that completed a run
 * with no error left has its outputs written again from the journal and calls nothing (unless
 * llm.inbox.on-duplicate=rerun, which runs it afresh). A failed file the run wrote ({@code NAME.failed.jsonl}),
 * dropped in again or given to {@code run FILE}, opens that run ({@link FailedFiles}): its lines are the run's own,
 * and the run's outputs are written again merged.
 */
final class RunOpener {

    private static final Logger LOG = LoggerFactory.getLogger(RunOpener.class);

    private final Path workRoot;
    private final Path outbox;
    private final boolean ordered;
    private final boolean rerunDuplicates;
    private final boolean fsync;
    private final InputFiles inputs;
    private final ActiveRuns active;
    private final RecentRuns recent;
    private final StoppedRuns stopped;
    private final RunFinisher finisher;
    private final SpendRules spendRules;
    private final ResultLines resultLines;
    /** Told what each answer of the runs opened here cost (the meters). */
    private volatile SpendListener spending = SpendListener.NONE;

    /**
     * @param ordered         results files are written in input order at the end (else streamed as they come)
     * @param rerunDuplicates content that completed a run before is run again (else its outputs are written
     *                        again from its journal)
     * @param fsync           every journal append is forced to the device
     * @param spendRules      the prices and the spend cap each run's ledger is opened with
     */
    RunOpener(Path workRoot, Path outbox, boolean ordered, boolean rerunDuplicates, boolean fsync, InputFiles inputs,
              ActiveRuns active, RecentRuns recent, StoppedRuns stopped, RunFinisher finisher,
              SpendRules spendRules, ResultLines resultLines) {
        this.resultLines = resultLines;
        this.workRoot = workRoot;
        this.outbox = outbox;
        this.ordered = ordered;
        this.rerunDuplicates = rerunDuplicates;
        this.fsync = fsync;
        this.inputs = inputs;
        this.active = active;
        this.recent = recent;
        this.stopped = stopped;
        this.finisher = finisher;
        this.spendRules = spendRules;
    }

    /** Where the runs opened from now on report what each of their answers cost. */
    void reportSpendingTo(SpendListener listener) {
        this.spending = listener;
    }

    /**
     * Opens the run of an input file, resuming it when its work folder has a journal.
     *
     * @param scheduled a scheduled firing: completed content is run again whatever the duplicate policy says,
     *                  with one dated output set per firing
     * @return the run; a run that is already complete (its content completed a run before: its outputs were
     * written again from the journal, nothing is called); or null when this process runs that input right now,
     * or stopped it recently
     * @throws RunBusyException another process owns the run or the input, or the file is still changing
     */
    Run openFile(Path file, boolean archiveWhenDone, boolean scheduled) throws IOException,
            UnreadableInputException, RunBusyException {
        InputFiles.Inspected input = inputs.inspect(file, !archiveWhenDone);
        String runId = input.runId();
        LineMap lineMap = LineMap.IDENTITY;
        FailedFiles.Entry failedOf = scheduled ? null : FailedFiles.find(workRoot, input.sha256());
        if (failedOf != null && !failedOf.runId().equals(runId)
                && Files.exists(workRoot.resolve(failedOf.runId()).resolve("manifest.json"))) {
            runId = failedOf.runId(); // a failed file of that run: its lines are that run's
            lineMap = LineMap.of(failedOf.lines());
        }
        String working = active.working(runId, file);
        if (working != null) {
            LOG.debug("{} is being run here (run {}): not started twice", file, working);
            return null;
        }
        if (stopped.isDraining(runId) || (archiveWhenDone && stopped.inBackoff(runId))) {
            return null; // stopped recently (service mode: tried again later)
        }
        RunClaim claim;
        try {
            claim = RunClaim.take(workRoot, file, runId);
        } catch (IOException e) {
            throw RunStorageException.of(runId, workRoot, e);
        }
        try {
            if (!input.stamp().equals(InputStamp.current(file))) {
                throw new RunBusyException(file + " changed since it was looked at");
            }
            return openClaimed(input, runId, lineMap, archiveWhenDone, scheduled, claim);
        } catch (IOException | RunBusyException | RuntimeException e) {
            claim.release();
            throw e;
        }
    }

    private Run openClaimed(InputFiles.Inspected input, String runId, LineMap lineMap, boolean archiveWhenDone,
                            boolean scheduled, RunClaim claim) throws IOException {
        Path workDir = workRoot.resolve(runId);
        Path file = input.path();
        boolean failedFile = !lineMap.identity();
        String base = failedFile ? RunStore.nameOf(workDir, Outbox.baseName(file.getFileName().toString()))
                : Outbox.baseName(file.getFileName().toString());
        String inputName = failedFile ? RunStore.inputNameOf(workDir) : null;
        if (RunStore.completed(workDir)) {
            if ((rerunDuplicates && !failedFile) || scheduled) {
                LOG.info("{} repeats completed run {}: running it again ({})", file.getFileName(), runId,
                        scheduled ? "scheduled" : "llm.inbox.on-duplicate=rerun");
                // keep the last completed run of this content for reference, not one folder per rerun (a nightly
                // schedule would otherwise fill the disk)
                RunStore.rotateCompleted(workDir);
            } else {
                long open = RunStore.openLines(runId, workDir, lineMap);
                if (open == 0) {
                    return writeAgain(input, runId, base, inputName, lineMap, workDir, archiveWhenDone, claim);
                }
                RunStore.Recorded recorded = RunStore.recorded(workDir);
                long wall = recorded == null ? 0 : recorded.wallMs();
                RunStore.reopen(workDir, Math.max(0, wall), System.currentTimeMillis());
                LOG.info("{}: run {} completed with {} line(s) in error: it runs again for those lines only (the "
                        + "others keep their results; nothing is paid twice){}", file.getFileName(), runId, open,
                        failedFile ? " (" + file.getFileName() + " is its failed file)" : "");
            }
        }
        try {
            RunStore.probe(runId, workDir);
        } catch (RunStorageException e) {
            stopped.broken(runId);
            throw e;
        }
        boolean fresh = !Files.exists(workDir.resolve(RunStore.JOURNAL));
        JsonNode manifest = RunStore.manifest(workDir, runId, base, file, input.format(), input.sha256());
        long firstStart = manifest.path("started_at_ms").asLong(System.currentTimeMillis());
        // a run opened again after it completed: its wall time goes on from what it recorded then
        long startedAt = manifest.path(RunStore.REOPENED_AT).asLong(firstStart);
        long priorWallMs = manifest.path(RunStore.PRIOR_WALL).asLong(0);
        String name = scheduled ? Outbox.dated(base, firstStart) : base;
        Run run = open(new Run.Setup(runId, name, input.format(), input, workDir, outbox, startedAt, ordered,
                archiveWhenDone, scheduled, null, lineMap, inputName, priorWallMs), claim::release);
        stopped.reopened(runId);
        if (fresh) {
            run.startsHere();
        } else {
            run.resumes();
        }
        LOG.info("run {} {} {} ({} lines already done)", runId, fresh ? "starts" : "resumes",
                file.getFileName(), run.resultCount());
        return run;
    }

    /**
     * Content that completed a run before: its outputs are written again from its journal (always in input
     * order); nothing is called.
     */
    private Run writeAgain(InputFiles.Inspected input, String runId, String name, String inputName,
                           LineMap lineMap, Path workDir, boolean archiveWhenDone, RunClaim claim) throws IOException {
        Path file = input.path();
        long startedAt = RunStore.manifest(workDir, runId, name, file, input.format(), input.sha256())
                .path("started_at_ms").asLong(System.currentTimeMillis());
        Run.Setup setup = new Run.Setup(runId, name, input.format(), input, workDir, outbox, startedAt, true,
                archiveWhenDone, false, null, lineMap, inputName, 0);
        Run run = new Run(setup, new Journal(workDir.resolve(RunStore.JOURNAL)), null, claim::release,
                spendRules.newRun());
        finisher.finishAgain(run, RunStore.recorded(workDir));
        LOG.info("{} was already processed: {} completed run {} with no line left in error; its outputs were "
                + "written again from its journal, nothing was called (set llm.inbox.on-duplicate=rerun to call "
                + "again)", file.getFileName(), lineMap.identity() ? "the same content (sha256 " + input.sha256()
                + ")" : "it is a failed file of", runId);
        return run;
    }

    /**
     * Accepts a message: persists it in a work folder of its own ({@link MessageInput#FILE}, with the delivery
     * cursor of its results) and opens its run. A message accepted before (the same id and body: a broker's
     * redelivery after a crash) resumes that run instead of making a second one.
     *
     * @return the run; null when that message is already taken care of: run here right now, answered before, or
     * held by another process
     */
    Run openMessage(MessageInput message) throws IOException {
        String runId = message.runId();
        Path workDir = workRoot.resolve(runId);
        if (active.find(runId) != null) {
            LOG.info("message {} is being answered here already (run {}): accepted once", message.messageId(), runId);
            return null;
        }
        if (RunStore.completed(workDir)) {
            LOG.info("message {} was answered before (run {}): not run again", message.messageId(), runId);
            return null;
        }
        OwnerLock lock = OwnerLock.tryAcquire(workDir.resolve(RunStore.LOCK));
        if (lock == null) {
            LOG.info("message {} is being answered by another process (run {}): {}", message.messageId(), runId,
                    OwnerLock.holderOf(workDir.resolve(RunStore.LOCK)));
            return null;
        }
        try {
            MessageInput accepted = MessageInput.read(workDir);
            if (accepted == null) {
                message.save(workDir, fsync);
                DeliveryCursor.begin(workDir);
                accepted = message;
            } else {
                LOG.info("message {} was accepted before (run {}): its run resumes", message.messageId(), runId);
            }
            Run run = openMessageRun(runId, workDir, accepted, lock);
            if (accepted != message) {
                run.resumes();
            }
            return run;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /**
     * Resumes the run of a message accepted before a restart (its work folder holds the message and no summary).
     *
     * @return the run; null when it is run here already, complete, held by another process, or holds no message
     */
    Run reopenMessage(String runId) throws IOException {
        Path workDir = workRoot.resolve(runId);
        if (active.find(runId) != null || RunStore.completed(workDir)) {
            return null;
        }
        MessageInput message;
        try {
            message = MessageInput.read(workDir);
        } catch (IOException unreadable) {
            LOG.error("run {}: {} cannot be read ({}): the message is not resumed; its folder {} stays", runId,
                    MessageInput.FILE, unreadable.getMessage(), workDir);
            return null;
        }
        if (message == null) {
            return null;
        }
        OwnerLock lock = OwnerLock.tryAcquire(workDir.resolve(RunStore.LOCK));
        if (lock == null) {
            return null;
        }
        try {
            Run run = openMessageRun(runId, workDir, message, lock);
            run.resumes();
            LOG.info("run {} resumes message {} ({} lines already done)", runId, message.messageId(),
                    run.resultCount());
            return run;
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** The message runs of the work folder that a restart resumes: a message and no summary. */
    List<String> messageRunsToResume() throws IOException {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(workRoot)) {
            return ids;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(workRoot, "msg-*")) {
            for (Path dir : dirs) {
                String runId = dir.getFileName().toString();
                if (Files.exists(dir.resolve(MessageInput.FILE)) && !RunStore.completed(dir)
                        && active.find(runId) == null) {
                    ids.add(runId);
                }
            }
        }
        ids.sort(null);
        return ids;
    }

    private Run openMessageRun(String runId, Path workDir, MessageInput message, OwnerLock lock) throws IOException {
        Run run = open(new Run.Setup(runId, runId, message.format(), null, workDir, null, message.acceptedAtMs(),
                ordered, false, false, message), lock);
        stopped.reopened(runId);
        return run;
    }

    /** Opens the run's journal (and streamed results file), replays the journal, and makes the run active. */
    private Run open(Run.Setup setup, AutoCloseable ownership) throws IOException {
        Files.createDirectories(setup.workDir());
        Journal journal;
        try {
            journal = new Journal(setup.workDir().resolve(RunStore.JOURNAL), fsync);
        } catch (IOException e) {
            throw RunStorageException.of(setup.id(), setup.workDir(), e);
        }
        FileChannel streamed = null;
        try {
            if (!setup.ordered() && setup.outbox() != null) {
                Outbox.claim(setup.outbox(), setup.name(), setup.id());
                Path results = setup.outbox().resolve(setup.name() + ".results.jsonl");
                // a crash can leave the streamed file behind the journal: rebuild it from the journal
                RunStore.copyJournal(setup.id(), journal.file(), results, resultLines);
                streamed = FileChannel.open(results, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            }
            Run run = new Run(setup, journal, streamed, ownership, spendRules.newRun(), resultLines);
            run.replayJournal();
            run.spend().reportTo(spending); // what the journal replayed was counted by the process it came to
            active.add(run);
            recent.opened(run);
            return run;
        } catch (IOException | RuntimeException e) {
            closeAfterFailure(journal, e);
            closeAfterFailure(streamed, e);
            throw e;
        }
    }

    private static void closeAfterFailure(AutoCloseable file, Exception failure) {
        if (file == null) {
            return;
        }
        try {
            file.close();
        } catch (Exception alsoFailed) {
            failure.addSuppressed(alsoFailed);
        }
    }
}
