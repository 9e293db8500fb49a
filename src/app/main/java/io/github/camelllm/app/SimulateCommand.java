package io.github.camelllm.app;

import io.github.camelllm.sim.SimulatorMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = "--port", paramLabel = "N", description = "Port to listen on (default 8089; 0 picks one).")
    String port;
    @Option(names = "--host", paramLabel = "ADDR", description = "Address to bind (default 127.0.0.1).")
    String host;
    @Option(names = "--latency-ms", paramLabel = "MS", description = "Latency of every chat answer (default 200).")
    String latencyMs;
    @Option(names = "--jitter-ms", paramLabel = "MS", description = "Random extra latency, 0 to this (default 0).")
    String jitterMs;
    @Option(names = "--rpm-limit", paramLabel = "N",
            description = "Requests per minute per model, with x-ratelimit-* headers; 0 = none (default).")
    String rpmLimit;
    @Option(names = "--tpm-limit", paramLabel = "N", description = "Tokens per minute per model; 0 = none (default).")
    String tpmLimit;
    @Option(names = "--rate-limit-burst-ms", paramLabel = "MS",
            description = "The limits' bucket holds this long's worth (default 60000, a minute, as OpenAI's).")
    String rateLimitBurstMs;
    @Option(names = "--rate-limit-headers", paramLabel = "BOOL",
            description = "Send x-ratelimit-* headers when a limit is set (default true).")
    String rateLimitHeaders;
    @Option(names = "--retry-after-headers", paramLabel = "BOOL",
            description = "Send retry-after / retry-after-ms on rate-limit 429s (default true).")
    String retryAfterHeaders;
    @Option(names = "--rate-429", paramLabel = "F", description = "Fraction of chat calls answered 429 at random.")
    String rate429;
    @Option(names = "--retry-after-s", paramLabel = "S", description = "Retry-After of those random 429s (default 1).")
    String retryAfterS;
    @Option(names = "--rate-500", paramLabel = "F", description = "Fraction of chat calls answered 500.")
    String rate500;
    @Option(names = "--rate-hang", paramLabel = "F", description = "Fraction of chat calls never answered.")
    String rateHang;
    @Option(names = "--api-key", paramLabel = "KEY", description = "The only key accepted (default: any, or none).")
    String apiKey;
    @Option(names = "--quota-after", paramLabel = "N",
            description = "Answers before the account is out of credit (429 insufficient_quota); default never.")
    String quotaAfter;
    @Option(names = "--known-models", paramLabel = "M1,M2",
            description = "The only models that exist (404 model_not_found for others); default any.")
    String knownModels;
    @Option(names = "--forbidden-models", paramLabel = "M1,M2",
            description = "Models that exist but this key may not use (403).")
    String forbiddenModels;
    @Option(names = "--outage", paramLabel = "MODE", description = "An outage: html502, 500, 503, reset or hang.")
    String outage;
    @Option(names = "--outage-after-ms", paramLabel = "MS", description = "The outage begins this long after start.")
    String outageAfterMs;
    @Option(names = "--outage-for-ms", paramLabel = "MS", description = "The outage lasts this long (0 = until stopped).")
    String outageForMs;
    @Option(names = "--trickle-bytes-per-second", paramLabel = "N",
            description = "Chat bodies are written this slowly, in small pieces.")
    String trickleBytesPerSecond;
    @Option(names = "--batch-step-ms", paramLabel = "MS",
            description = "Time of each Batch API step (validating, in_progress, finalizing; default 1000).")
    String batchStepMs;
    @Option(names = "--batch-outcome", paramLabel = "STATUS",
            description = "How batches end: completed (default), failed or expired.")
    String batchOutcome;
    @Option(names = "--batch-error-rate", paramLabel = "F",
            description = "Fraction of batch lines that land in the error file.")
    String batchErrorRate;
    @Option(names = "--batch-max-enqueued-tokens", paramLabel = "N",
            description = "Tokens of unfinished batches allowed per model (token_limit_exceeded past it).")
    String batchMaxEnqueuedTokens;
    @Option(names = "--io-threads", paramLabel = "N", description = "Netty event-loop threads (default: 2 x cores).")
    String ioThreads;

    @Override
    public Integer call() throws InterruptedException {
        List<String> args = new ArrayList<>();
        add(args, "--port", port);
        add(args, "--host", host);
        add(args, "--latency-ms", latencyMs);
        add(args, "--jitter-ms", jitterMs);
        add(args, "--rpm-limit", rpmLimit);
        add(args, "--tpm-limit", tpmLimit);
        add(args, "--rate-limit-burst-ms", rateLimitBurstMs);
        add(args, "--rate-limit-headers", rateLimitHeaders);
        add(args, "--retry-after-headers", retryAfterHeaders);
        add(args, "--rate-429", rate429);
        add(args, "--retry-after-s", retryAfterS);
        add(args, "--rate-500", rate500);
        add(args, "--rate-hang", rateHang);
        add(args, "--api-key", apiKey);
        add(args, "--quota-after", quotaAfter);
        add(args, "--known-models", knownModels);
        add(args, "--forbidden-models", forbiddenModels);
        add(args, "--outage", outage);
        add(args, "--outage-after-ms", outageAfterMs);
        add(args, "--outage-for-ms", outageForMs);
        add(args, "--trickle-bytes-per-second", trickleBytesPerSecond);
        add(args, "--batch-step-ms", batchStepMs);
        add(args, "--batch-outcome", batchOutcome);
        add(args, "--batch-error-rate", batchErrorRate);
        add(args, "--batch-max-enqueued-tokens", batchMaxEnqueuedTokens);
        add(args, "--io-threads", ioThreads);
        SimulatorMain.main(args.toArray(String[]::new)); // returns when stopped; exits 2 itself on a bad value
        return -1;
    }

    private static void add(List<String> args, String flag, String value) {
        if (value != null) {
            args.add(flag);
            args.add(value);
        }
    }
}
