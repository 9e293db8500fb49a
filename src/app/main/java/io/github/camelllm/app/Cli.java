package io.github.camelllm.app;

import io.github.camelllm.config.Settings.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * The commands of {@code java -jar camel-llm-pipeline-app.jar}: {@code run}, {@code serve} (also what no command
 * does), {@code settings}, {@code estimate}, {@code simulate}, {@code help}. Every command has {@code --help}; standard output carries
 * only what a command is asked for (a run's summary, the settings), logs and banners go to standard error.
 */
@Command(name = "camel-llm-pipeline", mixinStandardHelpOptions = true, versionProvider = Cli.Version.class,
        synopsisSubcommandLabel = "[COMMAND]",
        description = {
            "Sends prompts to an OpenAI-compatible API concurrently, reliably and cheaply: one file with 'run', or "
                    + "every file dropped into an inbox folder with 'serve'.",
            "",
            "Started as java -jar target/camel-llm-pipeline-app.jar; with no command it serves (watches the inbox)."},
        footerHeading = "%n",
        footer = {Cli.PRECEDENCE, "", "See 'COMMAND --help' for a command's options, and docs/cli.md."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {Cli.EXIT_0, Cli.EXIT_1, Cli.EXIT_2, Cli.EXIT_3, Cli.EXIT_4})
final class Cli implements Callable<Integer> {

    /** Usage help is this wide wherever it is shown, so docs/cli.md is what a terminal shows. */
    static final int WIDTH = 100;

    static final String PRECEDENCE = "Settings: command-line options (--concurrency, --set KEY=VALUE, ...) win over "
            + "environment variables (LLM_CONCURRENCY=...; OPENAI_API_KEY, OPENAI_BASE_URL), which win over -D "
            + "options before -jar (-Dllm.concurrency=...), which win over application.properties (of the current "
            + "directory, else the bundled one), which wins over the defaults. 'settings' shows each value and where "
            + "it came from.";
    static final String EXIT_0 = "0:every prompt succeeded (or the command did what it was asked)";
    static final String EXIT_1 = "1:the API answered, but some lines failed or were invalid (NAME.failed.jsonl)";
    static final String EXIT_2 = "2:usage or configuration error: nothing was run";
    static final String EXIT_3 = "3:stopped before complete (a stop signal, a journal that cannot be written, an "
            + "input that changed, another process holds the run): the same command resumes it";
    static final String EXIT_4 = "4:the API refused us or cannot be reached (key, credit, model, base URL, network)";

    private final ServeCommand serve;

    private Cli(ServeCommand serve) {
        this.serve = serve;
    }

    /** With no command: serve, as before commands existed. */
    @Override
    public Integer call() {
        return serve.call();
    }

    /**
     * The command line with every command, writing to these streams.
     *
     * @param env the environment (OPENAI_API_KEY, OPENAI_BASE_URL, LLM_* variables)
     */
    static CommandLine commandLine(Map<String, String> env, PrintWriter out, PrintWriter err) {
        ServeCommand serve = new ServeCommand(env);
        CommandLine cli = new CommandLine(new Cli(serve));
        cli.addSubcommand(new RunCommand(env, Map.of()));
        cli.addSubcommand(serve);
        cli.addSubcommand(new SettingsCommand(env));
        cli.addSubcommand(new EstimateCommand(env));
        cli.addSubcommand(SimulateCommand.commandLine());
        cli.addSubcommand(new CommandLine.HelpCommand());
        cli.setOut(out);
        cli.setErr(err);
        cli.setUsageHelpWidth(WIDTH);
        cli.setUsageHelpAutoWidth(false);
        cli.setExecutionExceptionHandler(Cli::failed);
        return cli;
    }

    /** What a command threw: a configuration error (exit 2), an API that cannot be used (exit 4), else exit 2. */
    private static int failed(Exception e, CommandLine command, CommandLine.ParseResult parsed) {
        PrintWriter err = command.getErr();
        if (e instanceof ConfigException) {
            err.println("configuration error: " + e.getMessage());
            return Launcher.USAGE;
        }
        if (e instanceof ApiUnavailableException) {
            err.println("error: " + e.getMessage() + "; nothing was run");
            return Launcher.API_REFUSED;
        }
        err.println("error: " + rootMessage(e));
        return Launcher.USAGE;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** The application's version, from its jar. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws Exception {
            Properties p = new Properties();
            try (InputStream in = Cli.class.getResourceAsStream(
                    "/META-INF/maven/io.github.camelllm/camel-llm-pipeline-app/pom.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"camel-llm-pipeline " + p.getProperty("version", "(development build)")
                    + ", Java " + System.getProperty("java.version")};
        }
    }
}
