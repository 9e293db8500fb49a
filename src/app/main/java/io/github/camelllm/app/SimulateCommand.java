package io.github.camelllm.app;

import io.github.camelllm.sim.SimulatorMain;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code simulate}: only the built-in OpenAI-compatible simulator, as a server of its own. */
@Command(name = "simulate", sortOptions = false,
        header = "Run only the built-in OpenAI-compatible simulator.",
        description = {
            "Runs only the built-in OpenAI-compatible simulator (chat completions, the Files and Batches APIs, "
                    + "GET /models) until stopped, on loopback by default. Point the pipeline at it with --base-url "
                    + "http://127.0.0.1:PORT/v1. Plays what a real API does on a bad day: latency, rate limits with "
                    + "their headers, random 429s and 500s, hangs, outages, an empty account, unknown models, slow "
                    + "bodies, the Batch API's limits."},
        optionListHeading = "%nOptions:%n",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {Cli.EXIT_2})
final class SimulateCommand implements Callable<Integer> {

    /** A flag of the simulator, passed on to it as given: the name is the simulator's own. */
    private record Flag(String name, String label, String description) {
    }

    /** The simulator's flags, in the order the help lists them. */
    private static final List<Flag> FLAGS = List.of(
            new Flag("--port", "N", "Port to listen on (default 8089; 0 picks one)."),
            new Flag("--host", "ADDR", "Address to bind (default 127.0.0.1)."),
            new Flag("--latency-ms", "MS", "Latency of every chat answer (default 200)."),
            new Flag("--jitter-ms", "MS", "Random extra latency, 0 to this (default 0)."),
            new Flag("--rpm-limit", "N",
                    "Requests per minute per model, with x-ratelimit-* headers; 0 = none (default)."),
            new Flag("--tpm-limit", "N", "Tokens per minute per model; 0 = none (default)."),
            new Flag("--rate-limit-burst-ms", "MS",
                    "The limits' bucket holds this long's worth (default 60000, a minute, as OpenAI's)."),
            new Flag("--rate-limit-headers", "BOOL", "Send x-ratelimit-* headers when a limit is set (default true)."),
            new Flag("--retry-after-headers", "BOOL",
                    "Send retry-after / retry-after-ms on rate-limit 429s (default true)."),
            new Flag("--rate-429", "F", "Fraction of chat calls answered 429 at random."),
            new Flag("--retry-after-s", "S", "Retry-After of those random 429s (default 1)."),
            new Flag("--rate-500", "F", "Fraction of chat calls answered 500."),
            new Flag("--rate-hang", "F", "Fraction of chat calls never answered."),
            new Flag("--api-key", "KEY", "The only key accepted (default: any, or none)."),
            new Flag("--quota-after", "N",
                    "Answers before the account is out of credit (429 insufficient_quota); default never."),
            new Flag("--known-models", "M1,M2",
                    "The only models that exist (404 model_not_found for others); default any."),
            new Flag("--forbidden-models", "M1,M2", "Models that exist but this key may not use (403)."),
            new Flag("--outage", "MODE", "An outage: html502, 500, 503, reset or hang."),
            new Flag("--outage-after-ms", "MS", "The outage begins this long after start."),
            new Flag("--outage-for-ms", "MS", "The outage lasts this long (0 = until stopped)."),
            new Flag("--trickle-bytes-per-second", "N", "Chat bodies are written this slowly, in small pieces."),
            new Flag("--batch-step-ms", "MS",
                    "Time of each Batch API step (validating, in_progress, finalizing; default 1000)."),
            new Flag("--batch-outcome", "STATUS", "How batches end: completed (default), failed or expired."),
            new Flag("--batch-error-rate", "F", "Fraction of batch lines that land in the error file."),
            new Flag("--batch-max-enqueued-tokens", "N",
                    "Tokens of unfinished batches allowed per model (token_limit_exceeded past it)."),
            new Flag("--concurrency-limit", "N",
                    "Chat calls in flight let through; past it a 429 without an error code (0 = none)."),
            new Flag("--rate-429-code", "CODE",
                    "Error code of the random 429s: rate_limit_exceeded (default), slow_down or none."),
            new Flag("--lying-headers", "true|false",
                    "The random 429s carry rate-limit headers that claim plenty left."),
            new Flag("--io-threads", "N", "Netty event-loop threads (default: 2 x cores)."));

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Spec
    CommandSpec spec;

    private SimulateCommand() {
    }

    /** The command, with an option (a string, checked by the simulator) for each of its flags. */
    static CommandLine commandLine() {
        CommandLine command = new CommandLine(new SimulateCommand());
        for (Flag flag : FLAGS) {
            command.getCommandSpec().addOption(OptionSpec.builder(flag.name()).paramLabel(flag.label())
                    .description(flag.description()).type(String.class).build());
        }
        return command;
    }

    @Override
    public Integer call() throws InterruptedException {
        List<String> args = new ArrayList<>();
        for (Flag flag : FLAGS) {
            String value = spec.findOption(flag.name()).getValue();
            if (value != null) {
                args.add(flag.name());
                args.add(value);
            }
        }
        SimulatorMain.main(args.toArray(String[]::new)); // returns when stopped; exits 2 itself on a bad value
        return -1;
    }
}
