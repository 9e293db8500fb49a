package io.github.camelllm.app;

import io.github.camelllm.config.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.Map;
import java.util.concurrent.Callable;

/**
 * A command that works from the pipeline's settings ({@code run}, {@code serve}, {@code settings},
 * {@code estimate}): its {@code --help}, the settings options every such command takes, and the layout of its usage
 * help (options in the order given, the settings' precedence as footer, the exit codes). A command's own
 * {@code @Command} adds its name, texts and exit codes and may replace any of these.
 */
@Command(sortOptions = false,
        optionListHeading = "%nOptions:%n",
        footerHeading = "%n",
        footer = {Cli.PRECEDENCE},
        exitCodeListHeading = "%nExit codes:%n")
abstract class PipelineCommand implements Callable<Integer> {

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Mixin
    PipelineOptions options = new PipelineOptions();

    @Spec
    CommandSpec spec;

    /** The environment the settings are read from (OPENAI_API_KEY, OPENAI_BASE_URL, LLM_* variables). */
    final Map<String, String> env;

    PipelineCommand(Map<String, String> env) {
        this.env = env;
    }

    /** The settings this command's options, the environment and the other sources resolve to (nothing started). */
    Settings settings() throws Exception {
        return PipelineApp.settings(Map.of(), env, options.values());
    }
}
