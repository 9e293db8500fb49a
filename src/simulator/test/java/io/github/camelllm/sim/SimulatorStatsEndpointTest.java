package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** GET /sim/stats: the counters a benchmark reads from a simulator in another process. */
class SimulatorStatsEndpointTest {

    @Test
    void stats_separate_rate_limit_from_quota_and_describe_the_buckets() throws Exception {
        try (OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withLatencyMs(0).withRpmLimit(60)
                .withRateLimitBurstMs(2000).withQuotaAfter(1))) {
            sim.start();
            SimHttp http = new SimHttp(sim.baseUrl());
            http.postJson("/chat/completions", SimHttp.chatBody("ok"));          // 200
            http.postJson("/chat/completions", SimHttp.chatBody("quota"));       // 429 quota
            sim.setQuotaAfter(-1);
            http.postJson("/chat/completions", SimHttp.chatBody("ok again"));    // 200, bucket now empty
            http.postJson("/chat/completions", SimHttp.chatBody("limited"));     // 429 rate limit (unless a refill came)

            HttpResponse<String> response = http.client.send(HttpRequest.newBuilder(
                    URI.create(sim.baseUrl().replace("/v1", "") + "/sim/stats")).build(), HttpResponse.BodyHandlers.ofString());
            JsonNode stats = SimHttp.json(response);

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(stats.path("chat_requests").asLong()).isEqualTo(4);
            assertThat(stats.path("responses_429_quota").asLong()).isEqualTo(1);
            long limited = stats.path("responses_429_rate_limit").asLong();
            assertThat(stats.path("chat_by_status").path("429").asLong()).isEqualTo(1 + limited);
            assertThat(stats.path("chat_by_status").path("200").asLong()).isEqualTo(4 - 1 - limited);
            assertThat(stats.path("peak_in_flight").asInt()).isPositive();
            assertThat(stats.path("tokens_charged").asLong()).isPositive();
            JsonNode rateLimit = stats.path("rate_limit");
            assertThat(rateLimit.path("rpm_limit").asLong()).isEqualTo(60);
            assertThat(rateLimit.path("burst_ms").asLong()).isEqualTo(2000);
            assertThat(rateLimit.path("headers").asBoolean()).isTrue();
            assertThat(rateLimit.path("retry_after_headers").asBoolean()).isTrue();
            JsonNode requests = rateLimit.path("models").path("gpt-test").path("requests");
            assertThat(requests.path("capacity").asDouble()).isEqualTo(2.0);
            assertThat(requests.path("admitted").asLong()).isEqualTo(4 - 1 - limited);
            assertThat(requests.path("first_admit_ms").asLong()).isGreaterThanOrEqualTo(0);
            assertThat(requests.path("last_admit_ms").asLong()).isGreaterThanOrEqualTo(requests.path("first_admit_ms").asLong());
            assertThat(stats.path("quota").path("after").asLong()).isEqualTo(-1);
            assertThat(sim.statsJson()).contains("\"responses_429_quota\":1");
        }
    }
}
