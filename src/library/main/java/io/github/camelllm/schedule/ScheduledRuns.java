package io.github.camelllm.schedule;

import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.run.RunRegistry;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

/**
 * Scheduled runs (llm.schedule.cron): each firing runs every prompt file of llm.schedule.folder again. Firings
 * never overlap: while the previous firing is still reading its files or any of its runs is unfinished, a
 * firing is skipped (and logged).
 */
public final class ScheduledRuns {

    private static final Logger LOG = LoggerFactory.getLogger(ScheduledRuns.class);

    private final RunRegistry runs;
    private final Path folder;
    private final AtomicBoolean firing = new AtomicBoolean();
    private final Set<String> previousRuns = ConcurrentHashMap.newKeySet();

    public ScheduledRuns(RunRegistry runs, String folder) {
        this.runs = runs;
        this.folder = Path.of(folder);
    }

    /** Starts a firing: the files to run, or an empty list when the firing is skipped. */
    public List<Path> begin(Exchange exchange) throws IOException {
        String busyRun = previousRuns.stream().filter(id -> runs.find(id) != null).findFirst().orElse(null);
        if (busyRun != null || !firing.compareAndSet(false, true)) {
            LOG.warn("scheduled firing skipped: the previous firing is still running{}",
                    busyRun == null ? "" : " (run " + busyRun + ")");
            return List.of();
        }
        previousRuns.clear();
        if (!Files.isDirectory(folder)) {
            LOG.warn("scheduled firing: folder {} does not exist, nothing to run", folder.toAbsolutePath());
            firing.set(false);
            return List.of();
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(folder)) {
            files = list.filter(Files::isRegularFile)
                    .filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
        LOG.info("scheduled firing: {} prompt file(s) in {}", files.size(), folder);
        if (files.isEmpty()) {
            firing.set(false);
        }
        return files;
    }

    /** Remembers the run a scheduled file started (so the next firing waits for it). */
    public void started(Exchange exchange) {
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        if (runId != null) {
            previousRuns.add(runId);
        }
    }

    /** Every file of the firing has been read (its runs may still be going). */
    public void end(Exchange exchange) {
        firing.set(false);
    }
}
