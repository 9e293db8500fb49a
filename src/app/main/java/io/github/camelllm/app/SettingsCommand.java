package io.github.camelllm.app;

import io.github.camelllm.config.SettingsExample;
import io.github.camelllm.config.SettingsReference;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Map;

/** {@code settings}: the effective settings and where each came from, or the reference of them all. */
@Command(name = "settings",
        header = "Show every setting, its value and where it came from.",
        description = {
            "Prints every setting with its effective value and where it came from (a command-line option, an "
                    + "environment variable, -D, application.properties, or the default); secrets are never shown. "
                    + "Takes the same options as run and serve, to show what they would use.",
            "",
            "--example prints a commented application.properties, --markdown the reference of docs/settings.md."},
        exitCodeList = {Cli.EXIT_0, Cli.EXIT_2})
final class SettingsCommand extends PipelineCommand {

    /** What to print instead of the effective settings. */
    static final class Reference {
        @Option(names = "--example", description = "A commented application.properties with every setting.")
        boolean example;

        @Option(names = "--markdown", description = "The reference of every setting (docs/settings.md).")
        boolean markdown;
    }

    @ArgGroup(exclusive = true, order = 1)
    Reference reference;

    SettingsCommand(Map<String, String> env) {
        super(env);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (reference != null && reference.example) {
            out.print(SettingsExample.render());
        } else if (reference != null && reference.markdown) {
            out.print(SettingsReference.render());
        } else {
            out.print(settings().describe());
        }
        out.flush();
        return Launcher.OK;
    }
}
