package io.github.camelllm.app;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/**
 * docs/cli.md, made from the commands' own usage help, so the page and {@code --help} cannot disagree (a test keeps
 * them equal). Regenerate it with
 * {@code java -cp target/camel-llm-pipeline-app.jar io.github.camelllm.app.CliReference > docs/cli.md}.
 */
public final class CliReference {

    private CliReference() {
    }

    public static void main(String[] args) {
        System.out.print(render());
    }

    static String render() {
        CommandLine cli = Cli.commandLine(Map.of(), new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()));
        StringBuilder md = new StringBuilder();
        md.append("# The command line\n\n")
                .append("<!-- generated from the commands' usage help: java -cp target/camel-llm-pipeline-app.jar ")
                .append("io.github.camelllm.app.CliReference > docs/cli.md -->\n\n")
                .append("`java -jar target/camel-llm-pipeline-app.jar COMMAND [OPTIONS]`. Every command has `--help`, ")
                .append("which prints what is below. Standard output carries only what a command is asked for (the ")
                .append("summary of `run`, the listing of `settings`); logs, banners and errors go to standard error, ")
                .append("so `run --json FILE | jq .` works. What a user sees when something is misconfigured, and ")
                .append("what to do: [troubleshooting.md](troubleshooting.md). Every setting: ")
                .append("[settings.md](settings.md).\n\n");
        md.append("## Exit codes\n\n| code | meaning |\n|---|---|\n");
        for (String code : new String[] {Cli.EXIT_0, Cli.EXIT_1, Cli.EXIT_2, Cli.EXIT_3, Cli.EXIT_4}) {
            int colon = code.indexOf(':');
            md.append("| ").append(code, 0, colon).append(" | ").append(code.substring(colon + 1)).append(" |\n");
        }
        md.append("\nA stop by signal ends `serve` as the signal does (143 for SIGTERM); `run` stopped by a signal ")
                .append("exits 3.\n");
        append(md, "camel-llm-pipeline", cli);
        for (Map.Entry<String, CommandLine> sub : cli.getSubcommands().entrySet()) {
            if (!sub.getKey().equals("help")) {
                append(md, sub.getKey(), sub.getValue());
            }
        }
        return md.toString();
    }

    private static void append(StringBuilder md, String name, CommandLine command) {
        md.append("\n## ").append(name).append("\n\n```\n")
                .append(command.getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing()).append("\n```\n");
    }
}
