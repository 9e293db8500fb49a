package io.github.camelllm.sim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/** Runs the simulator as its own process: {@code java -cp app.jar io.github.camelllm.sim.SimulatorMain --port 8089}. */
public final class SimulatorMain {
    static final int DEFAULT_PORT = 8089;
    /** Every flag this main takes (the command line's simulate command offers the same). */
    public static final Set<String> FLAGS = Set.of("--port", "--host", "--latency-ms", "--jitter-ms", "--rate-429",
            "--rate-500", "--rate-hang", "--retry-after-s", "--batch-step-ms", "--batch-outcome",
            "--batch-error-rate", "--api-key", "--io-threads", "--rpm-limit", "--tpm-limit", "--rate-limit-burst-ms",
            "--rate-limit-headers", "--retry-after-headers", "--quota-after", "--known-models", "--forbidden-models", "--outage",
            "--outage-after-ms", "--outage-for-ms", "--trickle-bytes-per-second", "--batch-max-enqueued-tokens");
    static final String USAGE = "usage: SimulatorMain [--port N (default 8089)] [--host ADDR] [--latency-ms MS] "
            + "[--jitter-ms MS] [--rate-429 F] [--rate-500 F] [--rate-hang F] [--retry-after-s S] "
            + "[--batch-step-ms MS] [--batch-outcome completed|failed|expired] [--batch-error-rate F] "
            + "[--api-key KEY] [--io-threads N] [--rpm-limit N] [--tpm-limit N] [--rate-limit-burst-ms MS (default 60000)] "
            + "[--rate-limit-headers true|false] [--retry-after-headers true|false] [--quota-after N] "
            + "[--known-models M1,M2] [--forbidden-models M1,M2] [--outage html502|500|503|reset|hang] [--outage-after-ms MS] "
            + "[--outage-for-ms MS (0 = until stopped)] [--trickle-bytes-per-second N] [--batch-max-enqueued-tokens N]";

    private SimulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(USAGE);
            return;
        }
        SimulatorConfig config;
        try {
            config = configFrom(parseFlags(args));
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        OpenAiSimulator simulator = new OpenAiSimulator(config);
        simulator.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            simulator.close();
            stopped.countDown();
        }, "openai-sim-shutdown"));
        System.out.println("OpenAI-compatible simulator listening on " + simulator.baseUrl() + " (" + config.describe() + ")");
        System.out.flush();
        stopped.await();
    }

    /** Parses {@code --flag value} and {@code --flag=value} pairs; rejects unknown flags and missing values. */
    static Map<String, String> parseFlags(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            if (!FLAGS.contains(name)) {
                throw new IllegalArgumentException("unknown flag: " + arg);
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + name);
                }
                value = args[++i];
            }
            flags.put(name, value);
        }
        return flags;
    }

    /** Builds the configuration: simulator defaults, except the port, which defaults to 8089 here. */
    static SimulatorConfig configFrom(Map<String, String> flags) {
        SimulatorConfig c = SimulatorConfig.defaults().withPort(DEFAULT_PORT);
        for (Map.Entry<String, String> flag : flags.entrySet()) {
            String v = flag.getValue();
            try {
                c = switch (flag.getKey()) {
                    case "--port" -> c.withPort(Integer.parseInt(v));
                    case "--host" -> c.withHost(v);
                    case "--latency-ms" -> c.withLatencyMs(Long.parseLong(v));
                    case "--jitter-ms" -> c.withJitterMs(Long.parseLong(v));
                    case "--rate-429" -> c.withRate429(Double.parseDouble(v));
                    case "--rate-500" -> c.withRate500(Double.parseDouble(v));
                    case "--rate-hang" -> c.withRateHang(Double.parseDouble(v));
                    case "--retry-after-s" -> c.withRetryAfterSeconds(Double.parseDouble(v));
                    case "--batch-step-ms" -> c.withBatchStepMs(Long.parseLong(v));
                    case "--batch-outcome" -> c.withBatchOutcome(v);
                    case "--batch-error-rate" -> c.withBatchErrorRate(Double.parseDouble(v));
                    case "--api-key" -> c.withRequiredApiKey(v.isEmpty() ? null : v);
                    case "--io-threads" -> c.withIoThreads(Integer.parseInt(v));
                    case "--rpm-limit" -> c.withRpmLimit(Long.parseLong(v));
                    case "--tpm-limit" -> c.withTpmLimit(Long.parseLong(v));
                    case "--rate-limit-burst-ms" -> c.withRateLimitBurstMs(Long.parseLong(v));
                    case "--rate-limit-headers" -> c.withRateLimitHeaders(bool(flag.getKey(), v));
                    case "--retry-after-headers" -> c.withRetryAfterHeaders(bool(flag.getKey(), v));
                    case "--quota-after" -> c.withQuotaAfter(Long.parseLong(v));
                    case "--known-models" -> c.withKnownModels(models(v));
                    case "--forbidden-models" -> c.withForbiddenModels(models(v));
                    case "--outage" -> c.withOutage(OutageMode.parse(v));
                    case "--outage-after-ms" -> c.withOutageWindow(Long.parseLong(v), c.outageForMs());
                    case "--outage-for-ms" -> c.withOutageWindow(c.outageAfterMs(), Long.parseLong(v));
                    case "--trickle-bytes-per-second" -> c.withTrickleBytesPerSecond(Long.parseLong(v));
                    case "--batch-max-enqueued-tokens" -> c.withBatchMaxEnqueuedTokens(Long.parseLong(v));
                    default -> throw new IllegalArgumentException("unknown flag: " + flag.getKey());
                };
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number for " + flag.getKey() + ": " + v);
            }
        }
        return c;
    }

    private static boolean bool(String flag, String v) {
        return switch (v.toLowerCase(java.util.Locale.ROOT)) {
            case "true", "on", "yes" -> true;
            case "false", "off", "no" -> false;
            default -> throw new IllegalArgumentException("not true/false for " + flag + ": " + v);
        };
    }

    private static Set<String> models(String list) {
        Set<String> models = new java.util.LinkedHashSet<>();
        for (String m : list.split(",")) {
            if (!m.isBlank()) {
                models.add(m.trim());
            }
        }
        return models;
    }
}
