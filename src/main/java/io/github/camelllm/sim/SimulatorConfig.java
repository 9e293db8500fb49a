package io.github.camelllm.sim;

import java.util.Set;

/**
 * Settings of the {@link OpenAiSimulator}. Immutable; start from {@link #defaults()} and derive
 * variants with the {@code with...} methods.
 *
 * @param host              address to bind (loopback by default so nothing is exposed)
 * @param port              port to bind, 0 for an ephemeral one
 * @param latencyMs         base delay before a chat completion is answered
 * @param jitterMs          uniform random extra delay, 0..jitterMs
 * @param rate429           fraction of chat requests answered 429 (with Retry-After headers)
 * @param retryAfterSeconds delay advertised on 429s; fractions allowed (retry-after is rounded up,
 *                          retry-after-ms is exact)
 * @param rate500           fraction of chat requests answered 500
 * @param rateHang          fraction of chat requests never answered (until the client gives up)
 * @param requiredApiKey    null to accept any caller, else the bearer token every /v1 call needs
 * @param batchStepMs       time spent in each batch lifecycle step (validating, in_progress, finalizing)
 * @param batchOutcome      terminal status of batches: completed, failed or expired
 * @param batchErrorRate    fraction of batch lines that land in the error file instead of the output
 * @param ioThreads         Netty event-loop threads, 0 for Netty's default (2 x cores)
 */
public record SimulatorConfig(
        String host,
        int port,
        long latencyMs,
        long jitterMs,
        double rate429,
        double retryAfterSeconds,
        double rate500,
        double rateHang,
        String requiredApiKey,
        long batchStepMs,
        String batchOutcome,
        double batchErrorRate,
        int ioThreads) {

    public static final Set<String> BATCH_OUTCOMES = Set.of("completed", "failed", "expired");

    public SimulatorConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range: " + port);
        }
        requireNonNegative("latencyMs", latencyMs);
        requireNonNegative("jitterMs", jitterMs);
        requireNonNegative("batchStepMs", batchStepMs);
        requireNonNegative("ioThreads", ioThreads);
        requireNonNegative("retryAfterSeconds", retryAfterSeconds);
        requireFraction("rate429", rate429);
        requireFraction("rate500", rate500);
        requireFraction("rateHang", rateHang);
        requireFraction("batchErrorRate", batchErrorRate);
        if (rate429 + rate500 + rateHang > 1.0 + 1e-9) {
            throw new IllegalArgumentException("rate429 + rate500 + rateHang must not exceed 1");
        }
        if (batchOutcome == null || !BATCH_OUTCOMES.contains(batchOutcome)) {
            throw new IllegalArgumentException("batchOutcome must be one of " + BATCH_OUTCOMES + ": " + batchOutcome);
        }
    }

    public static SimulatorConfig defaults() {
        return new SimulatorConfig("127.0.0.1", 0, 200, 0, 0, 1, 0, 0, null, 1000, "completed", 0, 0);
    }

    public SimulatorConfig withHost(String v) {
        return new SimulatorConfig(v, port, latencyMs, jitterMs, rate429, retryAfterSeconds, rate500, rateHang,
                requiredApiKey, batchStepMs, batchOutcome, batchErrorRate, ioThreads);
    }

    public SimulatorConfig withPort(int v) {
        return new SimulatorConfig(host, v, latencyMs, jitterMs, rate429, retryAfterSeconds, rate500, rateHang,
                requiredApiKey, batchStepMs, batchOutcome, batchErrorRate, ioThreads);
    }

    public SimulatorConfig withLatencyMs(long v) {
        return new SimulatorConfig(host, port, v, jitterMs, rate429, retryAfterSeconds, rate500, rateHang,
                requiredApiKey, batchStepMs, batchOutcome, batchErrorRate, ioThreads);
    }

    public SimulatorConfig withJitterMs(long v) {
        return new SimulatorConfig(host, port, latencyMs, v, rate429, retryAfterSeconds, rate500, rateHang,
                requiredApiKey, batchStepMs, batchOutcome, batchErrorRate, ioThreads);
    }

    public SimulatorConfig withRate429(double v) {
        return new SimulatorConfig(host, port, latencyMs, jitterMs, v, retryAfterSeconds, rate500, rateHang,
                requiredApiKey, batchStepMs, batchOutcome, batchErrorRate, ioThreads);
    }

    public SimulatorConfig withRetryAfterSeconds(double v) {
        return new SimulatorConfig(host, port, latencyMs, jitterMs, rate429, v, rate500, rateHang,
                requiredApiKey, batchStepMs, batchOutcome, batchErrorRate, ioThreads);
    }

    public SimulatorConfig withRate500(double v) {
        return new SimulatorConfig(host, port, latencyMs, jitterMs, rate429, retryAfterSeconds, v, rateHang,
                requiredApiKey, batchStepMs, batchOutcome, batchErrorRate, ioThreads);
    }

    public SimulatorConfig withRateHang(double v) {
        return new SimulatorConfig(host, port, latencyMs, jitterMs, rate429, retryAfterSeconds, rate500, v,
                requiredApiKey, batchStepMs, batchOutcome, batchErrorRate, ioThreads);
    }

    public SimulatorConfig withRequiredApiKey(String v) {
        return new SimulatorConfig(host, port, latencyMs, jitterMs, rate429, retryAfterSeconds, rate500, rateHang,
                v, batchStepMs, batchOutcome, batchErrorRate, ioThreads);
    }

    public SimulatorConfig withBatchStepMs(long v) {
        return new SimulatorConfig(host, port, latencyMs, jitterMs, rate429, retryAfterSeconds, rate500, rateHang,
                requiredApiKey, v, batchOutcome, batchErrorRate, ioThreads);
    }

    public SimulatorConfig withBatchOutcome(String v) {
        return new SimulatorConfig(host, port, latencyMs, jitterMs, rate429, retryAfterSeconds, rate500, rateHang,
                requiredApiKey, batchStepMs, v, batchErrorRate, ioThreads);
    }

    public SimulatorConfig withBatchErrorRate(double v) {
        return new SimulatorConfig(host, port, latencyMs, jitterMs, rate429, retryAfterSeconds, rate500, rateHang,
                requiredApiKey, batchStepMs, batchOutcome, v, ioThreads);
    }

    public SimulatorConfig withIoThreads(int v) {
        return new SimulatorConfig(host, port, latencyMs, jitterMs, rate429, retryAfterSeconds, rate500, rateHang,
                requiredApiKey, batchStepMs, batchOutcome, batchErrorRate, v);
    }

    /** One-line summary for the startup message. */
    public String describe() {
        StringBuilder sb = new StringBuilder("latency=").append(latencyMs).append("ms");
        if (jitterMs > 0) {
            sb.append(" jitter=").append(jitterMs).append("ms");
        }
        sb.append(" 429=").append(rate429).append(" 500=").append(rate500).append(" hang=").append(rateHang);
        sb.append(" batch-step=").append(batchStepMs).append("ms");
        sb.append(" auth=").append(requiredApiKey == null ? "any" : "bearer");
        return sb.toString();
    }

    private static void requireNonNegative(String name, double v) {
        if (v < 0 || Double.isNaN(v)) {
            throw new IllegalArgumentException(name + " must be >= 0: " + v);
        }
    }

    private static void requireFraction(String name, double v) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(name + " must be within 0..1: " + v);
        }
    }
}
