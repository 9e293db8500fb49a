package io.github.camelllm.app;

import io.github.camelllm.config.Settings.ConfigException;
import io.github.camelllm.run.RunBusyException;
import io.github.camelllm.run.RunSummary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** {@code run FILE}: one file through the same routes as the inbox, its summary on standard output. */
@Command(name = "run",
        header = "Process one prompt file, print its summary, exit.",
        description = {
            "Processes one prompt file and exits: writes NAME.results.jsonl, NAME.summary.json and (when some "
                    + "failed) NAME.failed.jsonl to the outbox, and prints the summary. The file stays where it is.",
            "",
            "Run it again after a crash, a stop (Ctrl-C) or a fix: it resumes from its journal and pays for no "
                    + "answered prompt twice; a file that completed before has its outputs written again, without "
                    + "calls.",
            "",
            "The API is checked before any prompt is read (GET /models, free): a host that does not resolve, a "
                    + "refused connection, a TLS mismatch, a URL that is not an OpenAI-compatible API or a refused "
                    + "key ends the command at once (exit 4).",
            "",
            "With no API configured (no OPENAI_API_KEY, no --base-url) it answers from the built-in simulator and "
                    + "says so; every result and the summary are marked \"simulated\": true."},
        parameterListHeading = "%nFile:%n",
        footer = {Cli.PRECEDENCE, "", "Examples:",
            "  java -jar target/camel-llm-pipeline-app.jar run samples/prompts.jsonl",
            "  java -jar target/camel-llm-pipeline-app.jar run --json -c 100 prompts.jsonl | jq .failed",
            "  java -jar target/camel-llm-pipeline-app.jar run --base-url http://localhost:8000/v1 prompts.txt"},
        exitCodeList = {Cli.EXIT_0, Cli.EXIT_1, Cli.EXIT_2, Cli.EXIT_3, Cli.EXIT_4})
final class RunCommand extends PipelineCommand {

    private final Map<String, String> overrides;

    @Parameters(index = "0", paramLabel = "FILE",
            description = "The prompt file: JSONL (a JSON object per line, or Batch API lines) or text (a prompt per "
                    + "line). docs/formats.md has every format.")
    Path file;

    @Option(names = "--json", order = 1,
            description = "Print the summary as one JSON object (as NAME.summary.json) instead of text.")
    boolean json;

    @Option(names = "--simulator", order = 2,
            description = "Answer from the built-in simulator, whatever API is configured.")
    boolean simulator;

    /** @param overrides override properties (tests, benchmarks in one JVM) */
    RunCommand(Map<String, String> env, Map<String, String> overrides) {
        super(env);
        this.overrides = overrides;
    }

    @Override
    public Integer call() {
        return execute(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    int execute(PrintWriter out, PrintWriter err) {
        if (!Files.exists(file)) {
            return usage(err, "no such file: " + file);
        }
        if (Files.isDirectory(file)) {
            return usage(err, file + " is a folder; run takes one prompt file (serve watches a folder)");
        }
        PipelineApp.Mode mode = simulator ? PipelineApp.Mode.RUN_FILE_ON_SIMULATOR : PipelineApp.Mode.RUN_FILE;
        PipelineApp app;
        try {
            app = PipelineApp.start(overrides, env, mode, options.values(), file);
        } catch (ConfigException e) {
            err.println("configuration error: " + e.getMessage());
            return Launcher.USAGE;
        } catch (ApiUnavailableException e) {
            err.println("error: " + e.getMessage() + "; nothing was run");
            return Launcher.API_REFUSED;
        } catch (Exception e) {
            err.println("error: " + Cli.rootMessage(e));
            return Launcher.USAGE;
        }
        Thread stopHook = new Thread(() -> stoppedBySignal(app, err), "llm-stop");
        Runtime.getRuntime().addShutdownHook(stopHook);
        try (app; AutoCloseable progress = reportProgress(app, err)) {
            return runToEnd(app, out, err);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Launcher.STOPPED;
        } catch (Exception e) {
            err.println("error: " + Cli.rootMessage(e));
            return Launcher.USAGE;
        } finally {
            removeQuietly(stopHook);
        }
    }

    private int runToEnd(PipelineApp app, PrintWriter out, PrintWriter err) throws InterruptedException {
        RunSummary summary;
        long deadline = System.currentTimeMillis() + app.config().runs().lockWait().toMillis();
        boolean told = false;
        while (true) {
            try {
                summary = app.submitFile(file).get();
                break;
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (cause instanceof RunBusyException busy) {
                    if (System.currentTimeMillis() < deadline) {
                        if (!told) {
                            err.println("waiting: " + busy.getMessage());
                            told = true;
                        }
                        Thread.sleep(250); // the owner's lock is an OS lock: there is no event to wait on
                        continue;
                    }
                    err.println("error: " + busy.getMessage() + "; not run twice: run the same command again once "
                            + "it is free (exit " + Launcher.BUSY + ")");
                    return Launcher.BUSY;
                }
                if (cause instanceof IOException) {
                    err.println("run of " + file + " stopped before it was complete: " + cause.getMessage()
                            + "; run the same command again once the cause is fixed");
                    return Launcher.STOPPED;
                }
                err.println("cannot run " + file + ": " + cause.getMessage());
                return Launcher.USAGE;
            }
        }
        if (summary == null) {
            err.println(file + " was already processed (same content); set llm.inbox.on-duplicate=rerun to run it "
                    + "again");
            return Launcher.OK;
        }
        if (json) {
            out.println(summary.toJson());
        } else {
            out.print(SummaryText.render(summary, app.config().output().outbox()));
        }
        out.flush();
        if (summary.allSucceeded()) {
            return Launcher.OK;
        }
        if (app.apiUnavailable()) {
            err.println("the API refused the calls or could not be reached (the reason is logged above): fix it and "
                    + "run the same command again; the failed lines are in the outbox");
            return Launcher.API_REFUSED;
        }
        return Launcher.SOME_FAILED;
    }

    /**
     * The run's progress on stderr while it goes (a live line on a terminal, plain DONE/TOTAL lines otherwise), and
     * what to do next when something failed; nothing when llm.progress.interval-ms is 0.
     */
    private AutoCloseable reportProgress(PipelineApp app, PrintWriter err) {
        ProgressReporter reporter = ProgressReporter.start(app.pipeline(), file, err, ProgressReporter.onTerminal());
        return reporter != null ? reporter : () -> {
        };
    }

    /**
     * SIGTERM or Ctrl-C during the run: intake stops, calls in flight finish (llm.shutdown.timeout-ms) and are
     * journaled, prompts not sent yet are left for the next start; the process ends with exit 3.
     */
    private void stoppedBySignal(PipelineApp app, PrintWriter err) {
        app.close();
        err.println("stopped before " + file + " was complete: run the same command again to resume it");
        err.flush();
        System.out.flush();
        Runtime.getRuntime().halt(Launcher.STOPPED);
    }

    private static void removeQuietly(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running: it ends the process
        }
    }

    private int usage(PrintWriter err, String problem) {
        err.println("error: " + problem);
        err.println("Usage: see 'run --help'");
        return Launcher.USAGE;
    }
}
