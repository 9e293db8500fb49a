package io.github.camelllm.app;

import io.github.camelllm.estimate.Estimate;
import io.github.camelllm.estimate.EstimateReport;
import io.github.camelllm.run.UnreadableInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** {@code estimate FILE}: what a run of FILE would cost, worked out without calling anything. */
@Command(name = "estimate",
        header = "Show what running a prompt file would cost, without calling the API.",
        description = {
            "Counts the input tokens of every line (the model's tokenizer), routes each line as run would (real time "
                    + "or the Batch API), and prices them with the price table (llm.prices): the input cost, and "
                    + "the most the answers could cost given their max_tokens. Nothing is sent anywhere.",
            "",
            "Examples:",
            "  java -jar target/camel-llm-pipeline-app.jar estimate samples/prompts.jsonl",
            "  java -jar target/camel-llm-pipeline-app.jar estimate --json big.jsonl | jq .estimated_cost_usd"},
        exitCodeList = {Cli.EXIT_0, "1:the file cannot be read as prompts", Cli.EXIT_2})
final class EstimateCommand extends PipelineCommand {

    @Option(names = "--json", order = 1, description = "Print the estimate as one JSON object instead of text.")
    boolean json;

    @Parameters(index = "0", paramLabel = "FILE", description = "The prompt file (JSONL or one prompt per line).")
    Path file;

    EstimateCommand(Map<String, String> env) {
        super(env);
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(file)) {
            err.println("error: no such file: " + file);
            return Launcher.USAGE;
        }
        try {
            EstimateReport report = Estimate.of(file, settings().config());
            out.print(json ? report.toJson() + "\n" : report.toText());
            out.flush();
            return Launcher.OK;
        } catch (UnreadableInputException e) {
            err.println("cannot estimate " + file + ": " + e.getMessage());
            return Launcher.SOME_FAILED;
        }
    }
}
