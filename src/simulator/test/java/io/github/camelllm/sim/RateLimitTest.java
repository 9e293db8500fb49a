package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Request and token buckets, OpenAI style, over real HTTP. Bounds allow for refill while the test runs. */
class RateLimitTest {

    static OpenAiSimulator start(SimulatorConfig config) {
        OpenAiSimulator sim = new OpenAiSimulator(config.withLatencyMs(0));
        sim.start();
        return sim;
    }

    static String chat(String content, int maxTokens) {
        return "{\"model\":\"gpt-test\",\"max_tokens\":" + maxTokens + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + SimHttp.quote(content) + "}]}";
    }

    static long header(HttpResponse<?> response, String name) {
        return Long.parseLong(response.headers().firstValue(name).orElseThrow(() -> new AssertionError("no " + name)));
    }

    static long resetMs(HttpResponse<?> response, String kind) {
        return GoDurationTest.parseMillis(response.headers().firstValue("x-ratelimit-reset-" + kind).orElseThrow());
    }

    @Test
    void requests_bucket_admits_its_capacity_then_429s_with_open_ai_headers_and_body() throws Exception {
        // 60 RPM, 5 s burst: a bucket of 5 requests refilling one per second
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withRpmLimit(60).withRateLimitBurstMs(5000))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            long startNs = System.nanoTime();
            List<HttpResponse<String>> ok = new ArrayList<>();
            HttpResponse<String> limited = null;
            for (int i = 0; i < 20 && limited == null; i++) {
                HttpResponse<String> r = http.postJson("/chat/completions", SimHttp.chatBody("hi " + i));
                if (r.statusCode() == 429) {
                    limited = r;
                } else {
                    assertThat(r.statusCode()).isEqualTo(200);
                    ok.add(r);
                }
            }
            long elapsedS = (System.nanoTime() - startNs) / 1_000_000_000;

            assertThat(limited).as("a 429 once the bucket is empty").isNotNull();
            assertThat(ok.size()).isBetween(5, 5 + (int) elapsedS + 1);
            HttpResponse<String> first = ok.get(0);
            assertThat(header(first, "x-ratelimit-limit-requests")).isEqualTo(60);
            assertThat(header(first, "x-ratelimit-remaining-requests")).isEqualTo(4);
            assertThat(resetMs(first, "requests")).isBetween(1L, 1000L);
            assertThat(first.headers().firstValue("x-ratelimit-limit-tokens")).isEmpty(); // no TPM limit set

            assertThat(header(limited, "x-ratelimit-limit-requests")).isEqualTo(60);
            assertThat(header(limited, "x-ratelimit-remaining-requests")).isZero();
            long retryMs = header(limited, "retry-after-ms");
            assertThat(retryMs).isBetween(1L, 1000L);
            assertThat(header(limited, "retry-after")).isEqualTo(1); // seconds, rounded up
            JsonNode error = SimHttp.json(limited).path("error");
            assertThat(error.path("type").asText()).isEqualTo("requests");
            assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
            assertThat(error.path("param").isNull()).isTrue();
            assertThat(error.path("message").asText()).matches("Rate limit reached for gpt-test in organization org-sim "
                    + "on requests per min \\(RPM\\): Limit 60, Used \\d+, Requested 1\\. Please try again in "
                    + "\\d+ms\\. Visit https://platform\\.openai\\.com/account/rate-limits to learn more\\.");
            assertThat(sim.rateLimitRejections()).isEqualTo(1);
        }
    }

    @Test
    void remaining_and_reset_stay_consistent() throws Exception {
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withRpmLimit(60).withRateLimitBurstMs(10_000))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            for (int i = 0; i < 6; i++) {
                HttpResponse<String> r = http.postJson("/chat/completions", SimHttp.chatBody("hi"));
                long remaining = header(r, "x-ratelimit-remaining-requests");
                long reset = resetMs(r, "requests");
                // remaining = floor(level) and reset = (10 - level) s, so reset lies in ((9 - remaining) s, (10 - remaining) s]
                assertThat(reset).as("reset %d ms with remaining %d", reset, remaining)
                        .isGreaterThan((9 - remaining) * 1000).isLessThanOrEqualTo((10 - remaining) * 1000);
            }
        }
    }

    @Test
    void concurrent_requests_never_overdraw_the_bucket() throws Exception {
        // 12 RPM with a 100 s burst: 20 requests in the bucket, one more every 5 s
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withRpmLimit(12).withRateLimitBurstMs(100_000))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            long startNs = System.nanoTime();
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                calls.add(http.client.sendAsync(http.jsonPost("/chat/completions", SimHttp.chatBody("p" + i)),
                        HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get();
            long elapsedS = (System.nanoTime() - startNs) / 1_000_000_000;
            long ok = calls.stream().filter(c -> c.join().statusCode() == 200).count();
            long limited = calls.stream().filter(c -> c.join().statusCode() == 429).count();

            assertThat(ok + limited).isEqualTo(100);
            assertThat(ok).isBetween(20L, 20 + elapsedS / 5 + 1);
            assertThat(sim.rateLimitRejections()).isEqualTo(limited);
        }
    }

    @Test
    void bucket_refills_over_time() throws Exception {
        // 60 RPM, 2 s burst: two requests, then one more each second
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withRpmLimit(60).withRateLimitBurstMs(2000))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            int ok = 0;
            HttpResponse<String> r;
            while ((r = http.postJson("/chat/completions", SimHttp.chatBody("drain"))).statusCode() == 200) {
                ok++;
            }
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(ok).isGreaterThanOrEqualTo(2);

            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> http.postJson("/chat/completions", SimHttp.chatBody("again")).statusCode() == 200);
            // beyond the initial bucket, nobody can be admitted faster than the refill
            JsonNode bucket = SimHttp.MAPPER.readTree(sim.statsJson()).at("/rate_limit/models/gpt-test/requests");
            assertThat(bucket.path("admitted").asLong()).isEqualTo(ok + 1);
            assertThat(bucket.path("achieved_share").asDouble()).isPositive().isLessThanOrEqualTo(1.0 + 1e-9);
        }
    }

    @Test
    void tokens_bucket_charges_the_larger_of_max_tokens_and_chars_over_four() throws Exception {
        // 600 TPM with a 100 s burst: 1,000 tokens in the bucket, refilling 10 per second
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withTpmLimit(600).withRateLimitBurstMs(100_000))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            // 2 chars of content (1 token) but max_tokens 300: charged 300
            HttpResponse<String> first = http.postJson("/chat/completions", chat("hi", 300));
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(header(first, "x-ratelimit-limit-tokens")).isEqualTo(600);
            assertThat(header(first, "x-ratelimit-remaining-tokens")).isBetween(700L, 705L);
            assertThat(resetMs(first, "tokens")).isBetween(25_000L, 30_000L);
            assertThat(first.headers().firstValue("x-ratelimit-limit-requests")).isEmpty();

            // 2,000 chars (500 tokens) with max_tokens 10: charged 500
            HttpResponse<String> second = http.postJson("/chat/completions", chat("x".repeat(2000), 10));
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(header(second, "x-ratelimit-remaining-tokens")).isBetween(200L, 250L);

            HttpResponse<String> third = http.postJson("/chat/completions", chat("y", 400));
            assertThat(third.statusCode()).isEqualTo(429);
            JsonNode error = SimHttp.json(third).path("error");
            assertThat(error.path("type").asText()).isEqualTo("tokens");
            assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
            assertThat(error.path("message").asText()).matches("Rate limit reached for gpt-test in organization org-sim "
                    + "on tokens per min \\(TPM\\): Limit 600, Used \\d+, Requested 400\\. Please try again in "
                    + "[0-9.]+s\\. Visit https://platform\\.openai\\.com/account/rate-limits to learn more\\.");
            // about 200 tokens missing at 10 per second (less whatever refilled while the test ran)
            long retryMs = header(third, "retry-after-ms");
            assertThat(retryMs).isBetween(10_000L, 20_000L);
            assertThat(header(third, "retry-after")).isEqualTo((retryMs + 999) / 1000);
            assertThat(sim.tokensCharged()).isEqualTo(800);
        }
    }

    @Test
    void request_larger_than_the_bucket_is_refused_without_retry_after() throws Exception {
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withTpmLimit(600).withRateLimitBurstMs(10_000))) {
            HttpResponse<String> r = new SimHttp(sim.baseUrl()).postJson("/chat/completions", chat("z", 500));

            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(SimHttp.json(r).at("/error/message").asText()).startsWith("Request too large for gpt-test");
            assertThat(r.headers().firstValue("retry-after-ms")).isEmpty();
            assertThat(r.headers().firstValue("x-ratelimit-remaining-tokens")).hasValue("100");
        }
    }

    @Test
    void rate_limit_headers_can_be_switched_off() throws Exception {
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withRpmLimit(60).withRateLimitBurstMs(1000)
                .withRateLimitHeaders(false))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            HttpResponse<String> ok = http.postJson("/chat/completions", SimHttp.chatBody("one"));
            HttpResponse<String> limited = http.postJson("/chat/completions", SimHttp.chatBody("two"));

            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().map().keySet()).noneMatch(h -> h.startsWith("x-ratelimit"));
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().map().keySet()).noneMatch(h -> h.startsWith("x-ratelimit"));
            assertThat(limited.headers().firstValue("retry-after-ms")).isPresent();
        }
    }

    @Test
    void retry_after_headers_can_be_switched_off_like_some_gateways() throws Exception {
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withRpmLimit(60).withRateLimitBurstMs(1000)
                .withRetryAfterHeaders(false))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            http.postJson("/chat/completions", SimHttp.chatBody("one"));
            HttpResponse<String> limited = http.postJson("/chat/completions", SimHttp.chatBody("two"));

            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(limited.headers().firstValue("retry-after")).isEmpty();
            assertThat(limited.headers().firstValue("retry-after-ms")).isEmpty();
            assertThat(limited.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
            assertThat(limited.headers().firstValue("x-ratelimit-reset-requests")).isPresent();
            assertThat(SimHttp.json(limited).at("/error/message").asText()).contains("Please try again in");
        }
    }

    @Test
    void buckets_are_per_model() throws Exception {
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withRpmLimit(60).withRateLimitBurstMs(1000))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            assertThat(http.postJson("/chat/completions", SimHttp.chatBody("a")).statusCode()).isEqualTo(200);
            assertThat(http.postJson("/chat/completions", SimHttp.chatBody("a")).statusCode()).isEqualTo(429);
            String other = "{\"model\":\"gpt-other\",\"messages\":[{\"role\":\"user\",\"content\":\"b\"}]}";
            assertThat(http.postJson("/chat/completions", other).statusCode()).isEqualTo(200);
        }
    }
}
