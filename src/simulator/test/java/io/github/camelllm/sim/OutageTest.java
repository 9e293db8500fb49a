package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Whole-server outages on chat calls: HTML 502, JSON 500/503, connection reset, hang; now, or as a window. */
class OutageTest {
    private static OpenAiSimulator sim;
    private static SimHttp http;

    @BeforeAll
    static void start() {
        sim = new OpenAiSimulator(SimulatorConfig.defaults().withLatencyMs(0));
        sim.start();
        http = new SimHttp(sim.baseUrl());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    @AfterEach
    void endOutage() {
        sim.stopOutage();
    }

    static HttpResponse<String> chat() throws Exception {
        return http.postJson("/chat/completions", SimHttp.chatBody("during the outage"));
    }

    @Test
    void html_502_like_a_gateway() throws Exception {
        sim.startOutage(OutageMode.HTML502);
        HttpResponse<String> r = chat();

        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("content-type")).hasValue("text/html");
        assertThat(r.body()).contains("<title>502 Bad Gateway</title>").contains("nginx");
        // other endpoints stay up
        assertThat(http.get("/batches").statusCode()).isEqualTo(200);
    }

    @Test
    void json_server_errors() throws Exception {
        sim.startOutage(OutageMode.SERVER_ERROR_500);
        HttpResponse<String> e500 = chat();
        sim.startOutage(OutageMode.OVERLOADED_503);
        HttpResponse<String> e503 = chat();

        assertThat(e500.statusCode()).isEqualTo(500);
        assertThat(SimHttp.json(e500).at("/error/type").asText()).isEqualTo("server_error");
        assertThat(e503.statusCode()).isEqualTo(503);
        assertThat(SimHttp.json(e503).at("/error/type").asText()).isEqualTo("server_error");
        assertThat(e503.headers().firstValue("content-type")).hasValue("application/json");
    }

    @Test
    void reset_closes_the_connection_without_answer() {
        sim.startOutage(OutageMode.RESET);
        long before = sim.connectionResets();

        assertThatThrownBy(OutageTest::chat).isInstanceOf(IOException.class);
        assertThat(sim.connectionResets()).isGreaterThan(before);
    }

    @Test
    void hang_never_answers() throws Exception {
        sim.startOutage(OutageMode.HANG);
        HttpRequest request = http.request("/chat/completions").timeout(Duration.ofMillis(300))
                .POST(HttpRequest.BodyPublishers.ofString(SimHttp.chatBody("hi"))).build();

        assertThatThrownBy(() -> http.client.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void window_starts_later_and_ends_by_itself() throws Exception {
        sim.scheduleOutage(OutageMode.HTML502, 1000, 1000);
        assertThat(chat().statusCode()).isEqualTo(200);

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> chat().statusCode() == 502);
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> chat().statusCode() == 200);
        assertThat(sim.currentOutage()).isNull();
    }

    @Test
    void configured_window_counts_from_start() throws Exception {
        try (OpenAiSimulator own = new OpenAiSimulator(SimulatorConfig.defaults().withLatencyMs(0)
                .withOutage(OutageMode.OVERLOADED_503).withOutageWindow(0, 0))) {
            own.start();
            SimHttp client = new SimHttp(own.baseUrl());
            assertThat(client.postJson("/chat/completions", SimHttp.chatBody("x")).statusCode()).isEqualTo(503);
            own.stopOutage();
            assertThat(client.postJson("/chat/completions", SimHttp.chatBody("x")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void control_endpoint_starts_and_stops_an_outage() throws Exception {
        String root = sim.baseUrl().replace("/v1", "");
        HttpResponse<String> on = post(root, "{\"outage\":\"html502\"}");
        assertThat(SimHttp.json(on).path("outage").asText()).isEqualTo("html502");
        assertThat(chat().statusCode()).isEqualTo(502);

        HttpResponse<String> off = post(root, "{\"outage\":null}");
        assertThat(SimHttp.json(off).path("outage").isNull()).isTrue();
        assertThat(chat().statusCode()).isEqualTo(200);

        post(root, "{\"outage\":\"503\",\"outageAfterMs\":0,\"outageForMs\":60000}");
        assertThat(chat().statusCode()).isEqualTo(503);
        assertThat(post(root, "{\"outage\":\"sideways\"}").statusCode()).isEqualTo(400);
    }

    private static HttpResponse<String> post(String root, String json) throws Exception {
        return http.client.send(HttpRequest.newBuilder(URI.create(root + "/sim/control"))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
