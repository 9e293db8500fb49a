package io.github.camelllm.flow;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small OpenAI-style rate-limited chat server for tests, written apart from the built-in simulator so the
 * pacing is checked against a second reading of OpenAI's documented behaviour: per-minute request and token
 * limits as token buckets that refill continuously, {@code x-ratelimit-*} headers on every answer, and a 429
 * {@code rate_limit_exceeded} (with or without {@code retry-after-ms}) when a bucket is short.
 */
final class TokenBucketServer implements AutoCloseable {

    private static final Pattern MAX_TOKENS = Pattern.compile("\"max_tokens\"\\s*:\\s*(\\d+)");

    private final HttpServer server;
    private final ExecutorService threads = Executors.newFixedThreadPool(64);
    private final double rpm;
    private final double tpm;
    private final double burstSeconds;
    private final boolean sendHeaders;
    private final boolean sendRetryAfter;
    private final long latencyMs;
    private double requests;
    private double tokens;
    private long updated = System.nanoTime();
    final AtomicInteger ok = new AtomicInteger();
    final AtomicInteger limited = new AtomicInteger();
    volatile long firstLimitedNanos;

    TokenBucketServer(double rpm, double tpm, double burstSeconds, boolean sendHeaders, boolean sendRetryAfter,
                      long latencyMs) throws IOException {
        this.rpm = rpm;
        this.tpm = tpm;
        this.burstSeconds = burstSeconds;
        this.sendHeaders = sendHeaders;
        this.sendRetryAfter = sendRetryAfter;
        this.latencyMs = latencyMs;
        this.requests = capacity(rpm);
        this.tokens = capacity(tpm);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 200);
        server.createContext("/v1/chat/completions", this::chat);
        server.setExecutor(threads);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    int requestCount() {
        return ok.get() + limited.get();
    }

    private double capacity(double perMinute) {
        return perMinute <= 0 ? Double.MAX_VALUE : perMinute * burstSeconds / 60;
    }

    private void chat(HttpExchange exchange) throws IOException {
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = MAX_TOKENS.matcher(body);
        double cost = Math.max(m.find() ? Double.parseDouble(m.group(1)) : 0, Math.ceil(body.length() / 4.0));
        String limitedOn = null;
        double remainingRequests;
        double remainingTokens;
        long resetRequestsMs;
        long resetTokensMs;
        synchronized (this) {
            long now = System.nanoTime();
            double seconds = (now - updated) / 1e9;
            updated = now;
            if (rpm > 0) {
                requests = Math.min(capacity(rpm), requests + seconds * rpm / 60);
            }
            if (tpm > 0) {
                tokens = Math.min(capacity(tpm), tokens + seconds * tpm / 60);
            }
            if (rpm > 0 && requests < 1) {
                limitedOn = "requests";
            } else if (tpm > 0 && tokens < cost) {
                limitedOn = "tokens";
            } else {
                requests -= 1;
                tokens -= cost;
            }
            remainingRequests = Math.floor(Math.max(0, requests));
            remainingTokens = Math.floor(Math.max(0, tokens));
            resetRequestsMs = rpm > 0 ? (long) Math.ceil((capacity(rpm) - requests) / (rpm / 60_000)) : 0;
            resetTokensMs = tpm > 0 ? (long) Math.ceil((capacity(tpm) - tokens) / (tpm / 60_000)) : 0;
        }
        if (sendHeaders) {
            if (rpm > 0) {
                exchange.getResponseHeaders().add("x-ratelimit-limit-requests", String.valueOf((long) rpm));
                exchange.getResponseHeaders().add("x-ratelimit-remaining-requests", String.valueOf((long) remainingRequests));
                exchange.getResponseHeaders().add("x-ratelimit-reset-requests", goDuration(resetRequestsMs));
            }
            if (tpm > 0) {
                exchange.getResponseHeaders().add("x-ratelimit-limit-tokens", String.valueOf((long) tpm));
                exchange.getResponseHeaders().add("x-ratelimit-remaining-tokens", String.valueOf((long) remainingTokens));
                exchange.getResponseHeaders().add("x-ratelimit-reset-tokens", goDuration(resetTokensMs));
            }
        }
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        if (limitedOn != null) {
            limited.incrementAndGet();
            if (firstLimitedNanos == 0) {
                firstLimitedNanos = System.nanoTime();
            }
            boolean onRequests = limitedOn.equals("requests");
            long waitMs = onRequests ? (long) Math.ceil(60_000 / rpm)
                    : (long) Math.ceil((cost - remainingTokens) / (tpm / 60_000));
            if (sendRetryAfter) {
                exchange.getResponseHeaders().add("retry-after-ms", String.valueOf(waitMs));
                exchange.getResponseHeaders().add("retry-after", String.valueOf((waitMs + 999) / 1000));
            }
            String message = String.format(Locale.ROOT, "Rate limit reached for gpt-4o-mini in organization org-test on %s:"
                            + " Limit %d, Used %d, Requested %d. Please try again in %s.",
                    onRequests ? "requests per min (RPM)" : "tokens per min (TPM)", (long) (onRequests ? rpm : tpm),
                    (long) (onRequests ? rpm : tpm), (long) (onRequests ? 1 : cost), goDuration(waitMs));
            send(exchange, 429, "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + limitedOn
                    + "\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
            return;
        }
        try {
            Thread.sleep(latencyMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ok.incrementAndGet();
        send(exchange, 200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":"
                + "{\"role\":\"assistant\",\"content\":\"ok\"},\"finish_reason\":\"stop\"}],\"usage\":{"
                + "\"prompt_tokens\":" + (long) cost + ",\"completion_tokens\":1,\"total_tokens\":" + ((long) cost + 1)
                + "}}");
    }

    static String goDuration(long ms) {
        if (ms < 1000) {
            return ms + "ms";
        }
        long minutes = ms / 60_000;
        double seconds = (ms % 60_000) / 1000.0;
        String s = seconds == Math.floor(seconds) ? String.valueOf((long) seconds) : String.valueOf(seconds);
        return minutes > 0 ? minutes + "m" + s + "s" : s + "s";
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
