package io.github.camelllm.app;

import io.github.camelllm.LlmPipeline;
import io.github.camelllm.observe.PipelineObserver;
import io.github.camelllm.observe.RunProgress;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What {@code run FILE} shows while its run goes, on stderr: on a terminal one live line rewritten in place twice
 * a second; otherwise (CI, a log file) a plain line every {@value #PLAIN_EVERY_MS} ms, each {@code NAME DONE/TOTAL
 * (P%) ok N error N invalid N | ...} so that a script can read it. At the end, the run's last line and, when
 * something failed, what to do next (the setting to fix, the file to run again). Nothing when
 * {@code llm.progress.interval-ms} is 0.
 */
final class ProgressReporter implements AutoCloseable {

    static final long LIVE_EVERY_MS = 500;
    static final long PLAIN_EVERY_MS = 5000;

    private final PipelineObserver observer;
    private final Path file;
    private final PrintWriter out;
    private final boolean live;
    private final ScheduledExecutorService ticker;
    private volatile boolean drawn;

    private ProgressReporter(PipelineObserver observer, Path file, PrintWriter out, boolean live, long everyMs) {
        this.observer = observer;
        this.file = file;
        this.out = out;
        this.live = live;
        observer.follow(file); // the pipeline's own progress log leaves this run to us
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "llm-progress");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleAtFixedRate(this::tick, everyMs, everyMs, TimeUnit.MILLISECONDS);
    }

    /** Whether the process writes to a terminal (one live line then), not to a file or a pipe. */
    static boolean onTerminal() {
        return System.console() != null && !"dumb".equals(System.getenv("TERM"));
    }

    /** Starts showing the progress of {@code file}'s run; null when progress is turned off. */
    static ProgressReporter start(LlmPipeline pipeline, Path file, PrintWriter out, boolean terminal) {
        return start(pipeline, file, out, terminal, terminal ? LIVE_EVERY_MS : PLAIN_EVERY_MS);
    }

    static ProgressReporter start(LlmPipeline pipeline, Path file, PrintWriter out, boolean terminal, long everyMs) {
        if (pipeline.config().observe().progressInterval().isZero()) {
            return null;
        }
        return new ProgressReporter(pipeline.observer(), file, out, terminal, everyMs);
    }

    private void tick() {
        try {
            Optional<RunProgress> progress = observer.progressOf(file);
            if (progress.isEmpty() || !RunProgress.RUNNING.equals(progress.get().state())) {
                return;
            }
            if (live) {
                out.print("\r\033[K" + progress.get().line());
                out.flush();
                drawn = true;
            } else {
                out.println("progress " + progress.get().line());
            }
        } catch (RuntimeException e) {
            // progress is a courtesy: the run goes on whatever happens here
        }
    }

    /** Stops the live line; prints the run's last line and what to do next when something failed. */
    @Override
    public void close() {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (drawn) {
            out.print("\r\033[K");
        }
        observer.progressOf(file).filter(p -> !RunProgress.RUNNING.equals(p.state())).ifPresent(last -> {
            out.println("progress " + last.line());
            for (String step : observer.nextSteps(last)) {
                out.println("next: " + step);
            }
        });
        out.flush();
    }
}
