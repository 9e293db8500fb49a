package io.github.camelllm.sim;


import java.util.Set;
import java.util.function.Consumer;

/**
 * Settings of the {@link OpenAiSimulator}. Immutable; start from {@link #defaults()} and derive
 * variants with the {@code with...} methods. The defaults limit nothing and inject no faults.
 *
 * @param host                   address to bind (loopback by default so nothing is exposed)
 * @param port                   port to bind, 0 for an ephemeral one
 * @param latencyMs              base delay before a chat completion is answered
 * @param jitterMs               uniform random extra delay, 0..jitterMs
 * @param rate429                fraction of chat requests answered 429 at random (with Retry-After headers)
 * @param retryAfterSeconds      delay advertised on those random 429s; fractions allowed (retry-after is
 *                               rounded up, retry-after-ms is exact)
 * @param rate500                fraction of chat requests answered 500
 * @param rateHang               fraction of chat requests never answered (until the client gives up)
 * @param requiredApiKey         null to accept any caller, else the bearer token every /v1 call needs
 * @param batchStepMs            time spent in each batch lifecycle step (validating, in_progress, finalizing)
 * @param batchOutcome           terminal status of batches: completed, failed or expired
 * @param batchErrorRate         fraction of batch lines that land in the error file instead of the output
 * @param ioThreads              Netty event-loop threads, 0 for Netty's default (2 x cores)
 * @param rpmLimit               requests per minute per model, 0 = unlimited
 * @param tpmLimit               tokens per minute per model, 0 = unlimited
 * @param rateLimitBurstMs       bucket capacity in refill time: capacity = limit x burstMs / 60,000
 *                               (60,000 = a whole minute, as OpenAI)
 * @param rateLimitHeaders       send x-ratelimit-* headers on chat answers when a limit is set
 * @param retryAfterHeaders      send retry-after / retry-after-ms on rate-limit 429s (some gateways do not)
 * @param quotaAfter             successful chat answers before the account runs out of quota, -1 = never
 * @param knownModels            models that exist; empty = any model name is accepted
 * @param forbiddenModels        models that exist but this project may not use (403); empty = none
 * @param outage                 outage mode played on chat calls, null = none
 * @param outageAfterMs          run time (from start) before the configured outage begins
 * @param outageForMs            length of the configured outage, 0 = until stopped
 * @param trickleBytesPerSecond  write 200 chat bodies at this speed in small chunks, 0 = all at once
 * @param batchMaxEnqueuedTokens tokens of unfinished batches allowed per model, 0 = unlimited
 * @param concurrencyLimit       chat calls in flight a gateway lets through; past it a 429 without an error code
 *                               (Retry-After as {@code retryAfterSeconds} when retry-after headers are on), 0 = none
 * @param rate429Code            error code of the random 429s: rate_limit_exceeded, slow_down, or none (no code)
 * @param lyingHeaders           the random 429s carry x-ratelimit-* headers that claim plenty left (9,999 of 10,000,
 *                               reset in 6 ms)
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
        int ioThreads,
        long rpmLimit,
        long tpmLimit,
        long rateLimitBurstMs,
        boolean rateLimitHeaders,
        boolean retryAfterHeaders,
        long quotaAfter,
        Set<String> knownModels,
        Set<String> forbiddenModels,
        OutageMode outage,
        long outageAfterMs,
        long outageForMs,
        long trickleBytesPerSecond,
        long batchMaxEnqueuedTokens,
        int concurrencyLimit,
        String rate429Code,
        boolean lyingHeaders) {

    public static final Set<String> RATE_429_CODES = Set.of("rate_limit_exceeded", "slow_down", "none");
    public static final Set<String> BATCH_OUTCOMES = Set.of("completed", "failed", "expired");
    /** OpenAI's limits are per minute and its buckets hold a whole minute. */
    public static final long MINUTE_MS = 60_000;

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
        requireNonNegative("rpmLimit", rpmLimit);
        requireNonNegative("tpmLimit", tpmLimit);
        if (rateLimitBurstMs <= 0) {
            throw new IllegalArgumentException("rateLimitBurstMs must be > 0: " + rateLimitBurstMs);
        }
        if (rpmLimit > 0 && rpmLimit * rateLimitBurstMs < MINUTE_MS) {
            // A bucket smaller than one request could never admit anything.
            throw new IllegalArgumentException("rpmLimit x rateLimitBurstMs / 60000 must be >= 1 request");
        }
        if (quotaAfter < -1) {
            throw new IllegalArgumentException("quotaAfter must be >= 0, or -1 for never: " + quotaAfter);
        }
        knownModels = knownModels == null ? Set.of() : Set.copyOf(knownModels);
        forbiddenModels = forbiddenModels == null ? Set.of() : Set.copyOf(forbiddenModels);
        requireNonNegative("outageAfterMs", outageAfterMs);
        requireNonNegative("outageForMs", outageForMs);
        requireNonNegative("trickleBytesPerSecond", trickleBytesPerSecond);
        requireNonNegative("batchMaxEnqueuedTokens", batchMaxEnqueuedTokens);
        requireNonNegative("concurrencyLimit", concurrencyLimit);
        if (rate429Code == null || !RATE_429_CODES.contains(rate429Code)) {
            throw new IllegalArgumentException("rate429Code must be one of " + RATE_429_CODES + ": " + rate429Code);
        }
    }

    public static SimulatorConfig defaults() {
        return new SimulatorConfig("127.0.0.1", 0, 200, 0, 0, 1, 0, 0, null, 1000, "completed", 0, 0,
                0, 0, MINUTE_MS, true, true, -1, Set.of(), Set.of(), null, 0, 0, 0, 0, 0, "rate_limit_exceeded", false);
    }

    public SimulatorConfig withHost(String v) {
        return copy(b -> b.host = v);
    }

    public SimulatorConfig withPort(int v) {
        return copy(b -> b.port = v);
    }

    public SimulatorConfig withLatencyMs(long v) {
        return copy(b -> b.latencyMs = v);
    }

    public SimulatorConfig withJitterMs(long v) {
        return copy(b -> b.jitterMs = v);
    }

    public SimulatorConfig withRate429(double v) {
        return copy(b -> b.rate429 = v);
    }

    public SimulatorConfig withRetryAfterSeconds(double v) {
        return copy(b -> b.retryAfterSeconds = v);
    }

    public SimulatorConfig withRate500(double v) {
        return copy(b -> b.rate500 = v);
    }

    public SimulatorConfig withRateHang(double v) {
        return copy(b -> b.rateHang = v);
    }

    public SimulatorConfig withRequiredApiKey(String v) {
        return copy(b -> b.requiredApiKey = v);
    }

    public SimulatorConfig withBatchStepMs(long v) {
        return copy(b -> b.batchStepMs = v);
    }

    public SimulatorConfig withBatchOutcome(String v) {
        return copy(b -> b.batchOutcome = v);
    }

    public SimulatorConfig withBatchErrorRate(double v) {
        return copy(b -> b.batchErrorRate = v);
    }

    public SimulatorConfig withIoThreads(int v) {
        return copy(b -> b.ioThreads = v);
    }

    public SimulatorConfig withRpmLimit(long v) {
        return copy(b -> b.rpmLimit = v);
    }

    public SimulatorConfig withTpmLimit(long v) {
        return copy(b -> b.tpmLimit = v);
    }

    public SimulatorConfig withRateLimitBurstMs(long v) {
        return copy(b -> b.rateLimitBurstMs = v);
    }

    public SimulatorConfig withRateLimitHeaders(boolean v) {
        return copy(b -> b.rateLimitHeaders = v);
    }

    public SimulatorConfig withRetryAfterHeaders(boolean v) {
        return copy(b -> b.retryAfterHeaders = v);
    }

    public SimulatorConfig withQuotaAfter(long v) {
        return copy(b -> b.quotaAfter = v);
    }

    public SimulatorConfig withKnownModels(Set<String> v) {
        return copy(b -> b.knownModels = v);
    }

    public SimulatorConfig withForbiddenModels(Set<String> v) {
        return copy(b -> b.forbiddenModels = v);
    }

    public SimulatorConfig withOutage(OutageMode v) {
        return copy(b -> b.outage = v);
    }

    /** The configured outage begins {@code afterMs} after start and lasts {@code forMs} (0 = until stopped). */
    public SimulatorConfig withOutageWindow(long afterMs, long forMs) {
        return copy(b -> {
            b.outageAfterMs = afterMs;
            b.outageForMs = forMs;
        });
    }

    public SimulatorConfig withTrickleBytesPerSecond(long v) {
        return copy(b -> b.trickleBytesPerSecond = v);
    }

    public SimulatorConfig withBatchMaxEnqueuedTokens(long v) {
        return copy(b -> b.batchMaxEnqueuedTokens = v);
    }

    public SimulatorConfig withConcurrencyLimit(int v) {
        return copy(b -> b.concurrencyLimit = v);
    }

    public SimulatorConfig withRate429Code(String v) {
        return copy(b -> b.rate429Code = v);
    }

    public SimulatorConfig withLyingHeaders(boolean v) {
        return copy(b -> b.lyingHeaders = v);
    }

    /** True when any per-minute limit is set. */
    public boolean rateLimited() {
        return rpmLimit > 0 || tpmLimit > 0;
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
        if (rateLimited()) {
            sb.append(" rpm=").append(rpmLimit).append(" tpm=").append(tpmLimit)
                    .append(" burst=").append(rateLimitBurstMs).append("ms")
                    .append(" headers=").append(rateLimitHeaders).append(" retry-after=").append(retryAfterHeaders);
        }
        if (quotaAfter >= 0) {
            sb.append(" quota-after=").append(quotaAfter);
        }
        if (!knownModels.isEmpty()) {
            sb.append(" models=").append(String.join(",", knownModels));
        }
        if (!forbiddenModels.isEmpty()) {
            sb.append(" forbidden=").append(String.join(",", forbiddenModels));
        }
        if (outage != null) {
            sb.append(" outage=").append(outage.wireName()).append(" after=").append(outageAfterMs).append("ms for=")
                    .append(outageForMs == 0 ? "ever" : outageForMs + "ms");
        }
        if (trickleBytesPerSecond > 0) {
            sb.append(" trickle=").append(trickleBytesPerSecond).append("B/s");
        }
        if (batchMaxEnqueuedTokens > 0) {
            sb.append(" batch-max-enqueued-tokens=").append(batchMaxEnqueuedTokens);
        }
        if (concurrencyLimit > 0) {
            sb.append(" concurrency-limit=").append(concurrencyLimit);
        }
        if (rate429 > 0) {
            sb.append(" 429-code=").append(rate429Code).append(lyingHeaders ? " lying-headers" : "");
        }
        return sb.toString();
    }

    private SimulatorConfig copy(Consumer<Builder> change) {
        Builder b = new Builder(this);
        change.accept(b);
        return b.build();
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

    /** Mutable copy used by the {@code with...} methods, so each changes one field by name. */
    private static final class Builder {
        String host;
        int port;
        long latencyMs;
        long jitterMs;
        double rate429;
        double retryAfterSeconds;
        double rate500;
        double rateHang;
        String requiredApiKey;
        long batchStepMs;
        String batchOutcome;
        double batchErrorRate;
        int ioThreads;
        long rpmLimit;
        long tpmLimit;
        long rateLimitBurstMs;
        boolean rateLimitHeaders;
        boolean retryAfterHeaders;
        long quotaAfter;
        Set<String> knownModels;
        Set<String> forbiddenModels;
        OutageMode outage;
        long outageAfterMs;
        long outageForMs;
        long trickleBytesPerSecond;
        long batchMaxEnqueuedTokens;
        int concurrencyLimit;
        String rate429Code;
        boolean lyingHeaders;

        Builder(SimulatorConfig c) {
            host = c.host;
            port = c.port;
            latencyMs = c.latencyMs;
            jitterMs = c.jitterMs;
            rate429 = c.rate429;
            retryAfterSeconds = c.retryAfterSeconds;
            rate500 = c.rate500;
            rateHang = c.rateHang;
            requiredApiKey = c.requiredApiKey;
            batchStepMs = c.batchStepMs;
            batchOutcome = c.batchOutcome;
            batchErrorRate = c.batchErrorRate;
            ioThreads = c.ioThreads;
            rpmLimit = c.rpmLimit;
            tpmLimit = c.tpmLimit;
            rateLimitBurstMs = c.rateLimitBurstMs;
            rateLimitHeaders = c.rateLimitHeaders;
            retryAfterHeaders = c.retryAfterHeaders;
            quotaAfter = c.quotaAfter;
            knownModels = c.knownModels;
            forbiddenModels = c.forbiddenModels;
            outage = c.outage;
            outageAfterMs = c.outageAfterMs;
            outageForMs = c.outageForMs;
            trickleBytesPerSecond = c.trickleBytesPerSecond;
            batchMaxEnqueuedTokens = c.batchMaxEnqueuedTokens;
            concurrencyLimit = c.concurrencyLimit;
            rate429Code = c.rate429Code;
            lyingHeaders = c.lyingHeaders;
        }

        SimulatorConfig build() {
            return new SimulatorConfig(host, port, latencyMs, jitterMs, rate429, retryAfterSeconds, rate500, rateHang,
                    requiredApiKey, batchStepMs, batchOutcome, batchErrorRate, ioThreads, rpmLimit, tpmLimit,
                    rateLimitBurstMs, rateLimitHeaders, retryAfterHeaders, quotaAfter, knownModels, forbiddenModels, outage,
                    outageAfterMs, outageForMs, trickleBytesPerSecond, batchMaxEnqueuedTokens, concurrencyLimit,
                    rate429Code, lyingHeaders);
        }
    }
}
