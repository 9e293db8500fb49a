package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class OpenAiSimulatorTest {
    @RegisterExtension
    static final OpenAiSimulatorExtension api = OpenAiSimulatorExtension.with(c -> c.withLatencyMs(20));
    private static OpenAiSimulator sim;
    private static SimHttp http;

    @BeforeAll
    static void start() {
        sim = api.simulator();
        http = new SimHttp(api.baseUrl());
    }

    @Test
    void chat_completion_has_open_ai_shape_and_echoes_last_message() throws Exception {
        HttpResponse<String> response = http.postJson("/chat/completions", SimHttp.chatBody("What is 2+2?"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode body = SimHttp.json(response);
        assertThat(body.path("id").asText()).startsWith("chatcmpl-");
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("created").asLong()).isPositive();
        assertThat(body.path("model").asText()).isEqualTo("gpt-test");
        JsonNode choice = body.path("choices").get(0);
        assertThat(choice.path("index").asInt()).isZero();
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText()).isEqualTo("echo: What is 2+2?");
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        // "be brief" (8) + "What is 2+2?" (12) = 20 chars -> 5 tokens; "echo: What is 2+2?" (18) -> 5
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(5);
        assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(5);
        assertThat(body.path("usage").path("total_tokens").asInt()).isEqualTo(10);
    }

    @Test
    void long_content_is_truncated_to_200_chars() throws Exception {
        JsonNode body = SimHttp.json(http.postJson("/chat/completions", SimHttp.chatBody("x".repeat(500))));
        assertThat(body.at("/choices/0/message/content").asText()).hasSize(200).startsWith("echo: xxx");
    }

    @Test
    void latency_is_honoured() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> response = http.postJson("/chat/completions", SimHttp.chatBody("slow [sim:latency=300]"));
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(elapsedMs).isGreaterThanOrEqualTo(300);
    }

    @Test
    void configured_latency_is_honoured() throws Exception {
        try (OpenAiSimulator slow = new OpenAiSimulator(SimulatorConfig.defaults().withLatencyMs(250).withJitterMs(50))) {
            slow.start();
            SimHttp client = new SimHttp(slow.baseUrl());
            long start = System.nanoTime();
            HttpResponse<String> response = client.postJson("/chat/completions", SimHttp.chatBody("hi"));
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(elapsedMs).isGreaterThanOrEqualTo(250);
        }
    }

    @Test
    void hundred_concurrent_requests_are_all_in_flight_together() throws Exception {
        // a latency long enough that all 100 are surely open together, even on a loaded machine
        try (OpenAiSimulator slow = new OpenAiSimulator(SimulatorConfig.defaults().withLatencyMs(3000))) {
            slow.start();
            SimHttp client = new SimHttp(slow.baseUrl());
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                calls.add(client.client.sendAsync(client.jsonPost("/chat/completions", SimHttp.chatBody("prompt " + i)),
                        HttpResponse.BodyHandlers.ofString()));
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> slow.inFlight() == 100);
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get();

            assertThat(slow.peakInFlight()).isEqualTo(100);
            assertThat(slow.inFlight()).isZero();
            assertThat(slow.chatCompletions()).isEqualTo(100);
            for (int i = 0; i < 100; i++) {
                HttpResponse<String> response = calls.get(i).get();
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(SimHttp.json(response).at("/choices/0/message/content").asText()).isEqualTo("echo: prompt " + i);
            }
        }
    }

    @Test
    void rate_limit_carries_retry_after_headers() throws Exception {
        try (OpenAiSimulator limited = new OpenAiSimulator(SimulatorConfig.defaults().withRate429(1.0)
                .withRetryAfterSeconds(1.5))) {
            limited.start();
            HttpResponse<String> response = new SimHttp(limited.baseUrl()).postJson("/chat/completions", SimHttp.chatBody("hi"));

            assertThat(response.statusCode()).isEqualTo(429);
            assertThat(response.headers().firstValue("retry-after")).hasValue("2");
            assertThat(response.headers().firstValue("retry-after-ms")).hasValue("1500");
            JsonNode error = SimHttp.json(response).path("error");
            assertThat(error.path("type").asText()).isEqualTo("requests");
            assertThat(error.path("code").asText()).isEqualTo("rate_limit_exceeded");
            assertThat(error.path("message").asText()).startsWith("Rate limit reached");
            assertThat(limited.rateLimitedResponses()).isEqualTo(1);
        }
    }

    @Test
    void server_error_rate() throws Exception {
        try (OpenAiSimulator failing = new OpenAiSimulator(SimulatorConfig.defaults().withLatencyMs(0).withRate500(1.0))) {
            failing.start();
            HttpResponse<String> response = new SimHttp(failing.baseUrl()).postJson("/chat/completions", SimHttp.chatBody("hi"));

            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(SimHttp.json(response).at("/error/type").asText()).isEqualTo("server_error");
            assertThat(failing.serverErrorResponses()).isEqualTo(1);
        }
    }

    @Test
    void wrong_api_key_gets_401() throws Exception {
        try (OpenAiSimulator secured = new OpenAiSimulator(SimulatorConfig.defaults().withRequiredApiKey("sk-right"))) {
            secured.start();
            SimHttp client = new SimHttp(secured.baseUrl());
            client.apiKey = "sk-wrong";
            HttpResponse<String> wrong = client.postJson("/chat/completions", SimHttp.chatBody("hi"));
            HttpResponse<String> missing = client.client.send(HttpRequest.newBuilder(
                    java.net.URI.create(secured.baseUrl() + "/batches")).GET().build(), HttpResponse.BodyHandlers.ofString());
            client.apiKey = "sk-right";
            HttpResponse<String> right = client.get("/batches");

            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(SimHttp.json(wrong).at("/error/code").asText()).isEqualTo("invalid_api_key");
            assertThat(missing.statusCode()).isEqualTo(401);
            assertThat(right.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void malformed_json_gets_400() throws Exception {
        HttpResponse<String> response = http.postJson("/chat/completions", "{\"model\": \"x\", \"messages\": [");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(SimHttp.json(response).at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void missing_messages_gets_400() throws Exception {
        HttpResponse<String> response = http.postJson("/chat/completions", "{\"model\":\"x\"}");

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(SimHttp.json(response).at("/error/param").asText()).isEqualTo("messages");
    }

    @Test
    void status_marker_forces_that_status() throws Exception {
        HttpResponse<String> overloaded = http.postJson("/chat/completions", SimHttp.chatBody("boom [sim:status=503]"));
        HttpResponse<String> limited = http.postJson("/chat/completions", SimHttp.chatBody("slow down [sim:status=429]"));

        assertThat(overloaded.statusCode()).isEqualTo(503);
        assertThat(SimHttp.json(overloaded).at("/error/type").asText()).isEqualTo("server_error");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("retry-after-ms")).isPresent();
    }

    @Test
    void hanging_request_stays_in_flight_until_the_client_closes() throws Exception {
        try (OpenAiSimulator own = new OpenAiSimulator(SimulatorConfig.defaults().withLatencyMs(0))) {
            own.start();
            String body = SimHttp.chatBody("wait forever [sim:hang]");
            try (Socket socket = new Socket("127.0.0.1", own.port())) {
                socket.getOutputStream().write(rawPost(body, "HTTP/1.1", "").getBytes(StandardCharsets.UTF_8));
                await().atMost(Duration.ofSeconds(5)).until(() -> own.hungRequests() == 1);
                assertThat(own.inFlight()).isEqualTo(1);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> own.inFlight() == 0);
        }
    }

    @Test
    void client_timeout_on_hang_releases_in_flight() throws Exception {
        try (OpenAiSimulator own = new OpenAiSimulator(SimulatorConfig.defaults().withRateHang(1.0))) {
            own.start();
            SimHttp client = new SimHttp(own.baseUrl());
            HttpRequest request = client.request("/chat/completions").timeout(Duration.ofMillis(200))
                    .POST(HttpRequest.BodyPublishers.ofString(SimHttp.chatBody("hi"))).build();
            CompletableFuture<HttpResponse<String>> call = client.client.sendAsync(request, HttpResponse.BodyHandlers.ofString());

            await().atMost(Duration.ofSeconds(5)).until(call::isDone);
            assertThat(call).isCompletedExceptionally();
            assertThat(own.hungRequests()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> own.inFlight() == 0);
        }
    }

    @Test
    void pipelined_requests_are_answered_in_order() throws Exception {
        String first = rawPost(SimHttp.chatBody("first [sim:latency=200]"), "HTTP/1.1", "");
        String second = rawPost(SimHttp.chatBody("second [sim:latency=0]"), "HTTP/1.1", "Connection: close\r\n");
        String responses = exchange(first + second);

        assertThat(responses).contains("echo: first").contains("echo: second");
        assertThat(responses.indexOf("echo: first")).isLessThan(responses.indexOf("echo: second"));
    }

    @Test
    void http_10_and_connection_close_end_the_connection() throws Exception {
        // exchange() reads until the server closes; returning at all proves the close.
        String http10 = exchange("GET /health HTTP/1.0\r\n\r\n");
        String closing = exchange("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(http10).startsWith("HTTP/1.0 200");
        assertThat(closing).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
    }

    @Test
    void unknown_path_gets_404_with_open_ai_error() throws Exception {
        HttpResponse<String> response = http.get("/nothing/here");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(SimHttp.json(response).at("/error/message").asText()).contains("/v1/nothing/here");
    }

    @Test
    void stats_and_health() throws Exception {
        http.postJson("/chat/completions", SimHttp.chatBody("count me"));
        String root = sim.baseUrl().replace("/v1", "");
        HttpResponse<String> health = http.client.send(HttpRequest.newBuilder(java.net.URI.create(root + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> stats = http.client.send(HttpRequest.newBuilder(java.net.URI.create(root + "/sim/stats")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode json = SimHttp.json(stats);
        assertThat(json.path("requests_total").asLong()).isPositive();
        assertThat(json.path("chat_completions").asLong()).isPositive();
        assertThat(json.has("in_flight")).isTrue();
        assertThat(json.has("peak_in_flight")).isTrue();
        assertThat(sim.requestsTotal()).isGreaterThanOrEqualTo(json.path("requests_total").asLong());
    }

    private static String rawPost(String json, String version, String extraHeaders) {
        int length = json.getBytes(StandardCharsets.UTF_8).length;
        return "POST /v1/chat/completions " + version + "\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + length + "\r\n" + extraHeaders + "\r\n" + json;
    }

    /** Sends raw bytes and reads until the server closes the connection. */
    private static String exchange(String raw) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", sim.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
