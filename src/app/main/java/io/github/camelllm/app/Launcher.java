package io.github.camelllm.app;

import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.config.Settings;
import io.github.camelllm.config.SettingsExample;
import io.github.camelllm.config.SettingsReference;

import io.github.camelllm.run.RunBusyException;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.SimulatorMain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

/**
 * Command line:
 * <pre>
 *   java -jar camel-llm-pipeline-app.jar                 service mode: watch the inbox, write to the outbox
 *   java -jar camel-llm-pipeline-app.jar run FILE        one-shot: process FILE, print the summary, exit
 *   java -jar camel-llm-pipeline-app.jar settings        the effective settings and where each came from
 *   java -jar camel-llm-pipeline-app.jar simulate [...]  only the built-in OpenAI-compatible simulator
 * </pre>
 * Exit codes of {@code run}: 0 every prompt of the run succeeded, 1 some failed or were invalid, 2 usage or
 * configuration error, or another process holds the run; 3 the run stopped before it was complete (its journal
 * cannot be written, its input changed under it): run the same command again once the cause is fixed.
 */
public final class Launcher {

    private static final Logger LOG = LoggerFactory.getLogger(Launcher.class);

    public static final int OK = 0;
    public static final int SOME_FAILED = 1;
    public static final int USAGE = 2;
    public static final int BUSY = 2;
    public static final int STOPPED = 3;

    private Launcher() {
    }

    public static void main(String[] args) {
        int code = run(args);
        if (code >= 0) {
            System.exit(code);
        }
    }

    /** Runs the command; returns the exit code, or -1 for service mode when it ended by a signal. */
    static int run(String[] args) {
        return run(args, System.getenv());
    }

    static int run(String[] args, Map<String, String> env) {
        try {
            if (args.length == 0) {
                return service(Map.of(), env);
            }
            switch (args[0]) {
                case "run" -> {
                    boolean simulator = args.length == 3 && args[1].equals("--simulator");
                    if (args.length != 2 && !simulator) {
                        return usage("run takes exactly one FILE (optionally after --simulator)");
                    }
                    return oneShot(Path.of(args[args.length - 1]), Map.of(), env, simulator);
                }
                case "settings" -> {
                    if (args.length == 2 && args[1].equals("--example")) {
                        System.out.print(SettingsExample.render());
                    } else if (args.length == 2 && args[1].equals("--markdown")) {
                        System.out.print(SettingsReference.render());
                    } else if (args.length == 1) {
                        System.out.print(PipelineApp.settings(Map.of(), env).describe());
                    } else {
                        return usage("settings takes no argument but --example or --markdown");
                    }
                    return OK;
                }
                case "simulate" -> {
                    try {
                        SimulatorMain.main(Arrays.copyOfRange(args, 1, args.length));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return -1;
                }
                case "-h", "--help", "help" -> {
                    System.out.println(HELP);
                    return OK;
                }
                default -> {
                    return usage("unknown command '" + args[0] + "'");
                }
            }
        } catch (Settings.ConfigException e) {
            System.err.println("configuration error: " + e.getMessage());
            return USAGE;
        } catch (Exception e) {
            System.err.println("configuration error: " + rootMessage(e));
            LOG.debug("start failed", e);
            return USAGE;
        }
    }

    /** {@code run FILE}: the same routes as the inbox, without moving the file. */
    public static int oneShot(Path file, Map<String, String> overrides) {
        return oneShot(file, overrides, System.getenv(), false);
    }

    /**
     * @param simulator {@code run --simulator FILE}: answer from the built-in simulator whatever is configured
     */
    static int oneShot(Path file, Map<String, String> overrides, Map<String, String> env, boolean simulator) {
        if (!Files.exists(file)) {
            return usage("no such file: " + file);
        }
        if (Files.isDirectory(file)) {
            return usage(file + " is a folder; run takes one prompt file");
        }
        PipelineApp.Mode mode = simulator ? PipelineApp.Mode.RUN_FILE_ON_SIMULATOR : PipelineApp.Mode.RUN_FILE;
        try (PipelineApp app = PipelineApp.start(overrides, env, mode);
             ProgressReporter progress = ProgressReporter.start(app.pipeline(), file)) {
            Thread graceful = onSigterm(app);
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
                                System.err.println("waiting: " + busy.getMessage());
                                told = true;
                            }
                            Thread.sleep(250); // the owner's lock is an OS lock: there is no event to wait on
                            continue;
                        }
                        System.err.println("error: " + busy.getMessage() + "; not run twice (exit " + BUSY + ")");
                        return BUSY;
                    }
                    if (cause instanceof java.io.IOException) {
                        System.err.println("run of " + file + " stopped: " + cause.getMessage());
                        return STOPPED;
                    }
                    System.err.println("cannot process " + file + ": " + cause.getMessage());
                    return SOME_FAILED;
                }
            }
            if (summary == null) {
                System.out.println(file + " was already processed (same content); set llm.inbox.on-duplicate=rerun"
                        + " to run it again");
                return OK;
            }
            System.out.println(summary.toJson());
            System.out.println(summary.oneLine());
            Runtime.getRuntime().removeShutdownHook(graceful);
            return summary.allSucceeded() ? OK : SOME_FAILED;
        } catch (Settings.ConfigException e) {
            System.err.println("configuration error: " + e.getMessage());
            return USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SOME_FAILED;
        } catch (Exception e) {
            System.err.println("configuration error: " + rootMessage(e));
            LOG.debug("start failed", e);
            return USAGE;
        }
    }

    /** Running from another directory must not silently start over: a new work folder is announced loudly. */
    static void warnWhenFresh(PipelineConfig config) {
        Path workRoot = config.runs().workRoot();
        if (!Files.isDirectory(workRoot)) {
            System.err.println("NOTE: work folder " + workRoot + " does not exist yet: no earlier run is known there, "
                    + "so nothing is resumed. If this file was run before with another work folder (another "
                    + "directory or llm.work-dir), stop now and set llm.work-dir to that folder.");
        }
    }

    /** Service mode: watch the inbox until SIGTERM. Needs a configured API (or the simulator, chosen). */
    static int service(Map<String, String> overrides, Map<String, String> env) {
        PipelineApp app;
        try {
            app = PipelineApp.start(overrides, env, PipelineApp.Mode.SERVICE);
        } catch (Settings.ConfigException e) {
            throw e;
        } catch (Exception e) {
            System.err.println("configuration error: " + rootMessage(e));
            return USAGE;
        }
        onSigterm(app);
        LOG.info("watching {} for prompt files; results go to {}", app.config().inbox().folder(),
                app.config().output().outbox());
        try {
            new CountDownLatch(1).await(); // until SIGTERM / Ctrl-C runs the shutdown hook
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /** SIGTERM / Ctrl-C: stop taking lines, let in-flight calls finish (llm.shutdown.timeout-ms), journal, exit. */
    private static Thread onSigterm(PipelineApp app) {
        Thread hook = new Thread(() -> {
            LOG.info("stopping: no new lines are taken; in-flight calls finish and are journaled; "
                    + "the next start resumes unfinished runs");
            app.close();
        }, "llm-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        return hook;
    }

    private static int usage(String problem) {
        System.err.println("error: " + problem);
        System.err.println(HELP);
        return USAGE;
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    static final String HELP = """
            usage:
              java -jar camel-llm-pipeline-app.jar                 watch the inbox (llm.inbox), write to the outbox
              java -jar camel-llm-pipeline-app.jar run FILE        process FILE once, print its summary, exit
                  run --simulator FILE                          the same, answered by the built-in simulator
                  (with no API key and no llm.base-url, run FILE uses the simulator too, and says so)
              java -jar camel-llm-pipeline-app.jar settings        the effective settings and where each came from
              java -jar camel-llm-pipeline-app.jar settings --example   a commented application.properties
              java -jar camel-llm-pipeline-app.jar simulate [--port N --latency-ms N ...]
                                                              run only the built-in OpenAI-compatible simulator
            settings: application.properties (optional); override with -Dllm.key=value or LLM_KEY=value
            (an environment variable wins over -D, as in Camel); the API: OPENAI_API_KEY, OPENAI_BASE_URL
            exit codes of run: 0 all prompts of the run succeeded, 1 some failed or were invalid,
              2 usage/configuration error or the run is held by another process, 3 the run stopped before it was
              complete (journal cannot be written, input changed): run it again once the cause is fixed""";
}
