package io.github.camelllm.app;

import io.github.camelllm.config.Settings.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** {@code serve} (and no command at all): the inbox service, until SIGTERM or Ctrl-C. */
@Command(name = "serve",
        header = "Watch the inbox and process every prompt file dropped there (the default).",
        description = {
            "Watches the inbox folder: every complete *.jsonl or *.txt file dropped there becomes a run; its results, "
                    + "summary and failed lines appear in the outbox, and the file moves to inbox/.done/ when every "
                    + "line has its result. Runs until SIGTERM or Ctrl-C: calls in flight finish and are journaled, "
                    + "the next start resumes the rest.",
            "",
            "Needs an API (OPENAI_API_KEY, or --base-url), or the simulator chosen with --base-url simulator. When "
                    + "the API cannot be used at start (unknown host, refused connection, refused key, ...) the "
                    + "service says so once and takes no file until it answers.",
            "",
            "Several instances may share one inbox and work folder (replicas on a shared volume): each run has one "
                    + "owner at a time."},
        exitCodeListHeading = "%nExit codes (when it cannot start; a stop by signal ends it as the signal does):%n",
        exitCodeList = {Cli.EXIT_2, Cli.EXIT_4})
final class ServeCommand extends PipelineCommand {

    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--inbox", paramLabel = "DIR", order = 1,
            description = "The folder watched for prompt files (llm.inbox).")
    String inbox;

    ServeCommand(Map<String, String> env) {
        super(env);
    }

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Map<String, PipelineOptions.Value> values = options.values();
        PipelineOptions.add(values, "llm.inbox", inbox, "--inbox");
        PipelineApp app;
        try {
            app = PipelineApp.start(Map.of(), env, PipelineApp.Mode.SERVICE, values, null);
        } catch (ConfigException e) {
            err.println("configuration error: " + e.getMessage());
            return Launcher.USAGE;
        } catch (Exception e) {
            err.println("error: " + Cli.rootMessage(e));
            return Launcher.USAGE;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("stopping: no new lines are taken; in-flight calls finish and are journaled; the next start "
                    + "resumes unfinished runs");
            app.close();
        }, "llm-stop"));
        if (app.config().inbox().enabled() && !app.holding()) {
            LOG.info("watching {} for prompt files; results go to {}", app.config().inbox().folder(),
                    app.config().output().outbox());
        }
        try {
            new CountDownLatch(1).await(); // until SIGTERM / Ctrl-C runs the shutdown hook
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }
}
