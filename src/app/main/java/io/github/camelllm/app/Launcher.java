package io.github.camelllm.app;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;

/**
 * The command line's entry point ({@code java -jar camel-llm-pipeline-app.jar COMMAND ...}): the commands are
 * {@link Cli}'s. Exit codes, the same for every command:
 * <ul>
 *   <li>{@value #OK}: every prompt of the run succeeded (or the command did what it was asked);</li>
 *   <li>{@value #SOME_FAILED}: the API answered, but some lines failed or were invalid (see NAME.failed.jsonl);</li>
 *   <li>{@value #USAGE}: a usage or configuration error: nothing was run;</li>
 *   <li>{@value #STOPPED}: the run stopped before it was complete (a stop signal, a journal that cannot be
 *   written, an input that changed, another process holds the run): the same command resumes it;</li>
 *   <li>{@value #API_REFUSED}: the API refused us or cannot be reached (key, credit, model, base URL, network).</li>
 * </ul>
 */
public final class Launcher {

    public static final int OK = 0;
    public static final int SOME_FAILED = 1;
    public static final int USAGE = 2;
    public static final int STOPPED = 3;
    public static final int API_REFUSED = 4;
    /** Another process holds the run and did not let go in time: run the same command again later. */
    public static final int BUSY = STOPPED;

    private Launcher() {
    }

    public static void main(String[] args) {
        OutOfMemoryExit.install();
        SecretsLogFilter.install();
        int code = run(args);
        if (code >= 0) {
            System.exit(code);
        }
    }

    /** Runs the command; returns the exit code, or -1 for a command that ends by a signal (serve, simulate). */
    static int run(String[] args) {
        return run(args, System.getenv());
    }

    static int run(String[] args, Map<String, String> env) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        CommandLine cli = Cli.commandLine(env, out, err);
        return cli.execute(args);
    }

    /** {@code run FILE} with these override properties: for tests and benchmarks in this JVM. */
    public static int oneShot(Path file, Map<String, String> overrides) {
        return oneShot(file, overrides, System.getenv(), false);
    }

    /**
     * @param simulator {@code run --simulator FILE}: answer from the built-in simulator whatever is configured
     */
    static int oneShot(Path file, Map<String, String> overrides, Map<String, String> env, boolean simulator) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        RunCommand run = new RunCommand(env, overrides);
        run.file = file;
        run.simulator = simulator;
        return run.execute(out, err);
    }
}
