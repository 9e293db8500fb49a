package io.github.camelllm.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Faults of the whole API, not of one prompt, against a real HTTP server (WireMock). */
class FaultsAndOutagesTest {

    static final String CHAT = "/v1/chat/completions";

    @TempDir
    Path tmp;
    WireMockServer server;
    PipelineFixture pipeline;

    @BeforeEach
    void setUp() {
        server = new WireMockServer(options().dynamicPort().containerThreads(120).asynchronousResponseEnabled(true)
                .asynchronousResponseThreads(40));
        server.start();
        pipeline = new PipelineFixture(tmp, "http://127.0.0.1:" + server.port() + "/v1")
                .with("llm.api-key", "sk-test-secret-key-123456");
    }

    @AfterEach
    void tearDown() {
        pipeline.close();
        server.stop();
    }

    static String completion(String content) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{"
                + "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,"
                + "\"total_tokens\":5}}";
    }

    void stubAll(int status, String contentType, String body) {
        server.stubFor(post(urlEqualTo(CHAT)).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", contentType).withBody(body)));
    }

    int calls() {
        return server.getAllServeEvents().size();
    }

    @Test
    void a_refused_key_stops_the_run_after_the_calls_in_flight() throws Exception {
        stubAll(401, "application/json", "{\"error\":{\"message\":\"Incorrect API key provided: sk-te***3456.\","
                + "\"type\":\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
        pipeline.with("llm.concurrency", "20").start();
        RunSummary summary = pipeline.run(pipeline.write("key.jsonl", PipelineFixture.prompts(3000)));

        assertThat(summary.total()).isEqualTo(3000);
        assertThat(summary.failed()).isEqualTo(3000);
        assertThat(calls()).as("calls made for 3,000 lines").isLessThanOrEqualTo(40);
        List<JsonNode> results = pipeline.results("key");
        assertThat(results).allSatisfy(r -> assertThat(r.get("error").get("type").asText())
                .isEqualTo("authentication_error"));
        assertThat(Files.readAllLines(pipeline.outbox.resolve("key.failed.jsonl"))).hasSize(3000);
        assertThat(Files.readString(pipeline.outbox.resolve("key.results.jsonl")))
                .doesNotContain("sk-test-secret-key-123456");
    }

    @Test
    void an_empty_account_stops_the_run_and_keeps_the_answers_it_had() throws Exception {
        server.stubFor(post(urlEqualTo(CHAT)).inScenario("credit").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(completion("paid")).withFixedDelay(200)));
        pipeline.with("llm.concurrency", "5").start();
        Path file = pipeline.write("credit.jsonl", PipelineFixture.prompts(2000));
        var done = pipeline.app().submitFile(file);
        await().atMost(20, TimeUnit.SECONDS).until(() -> calls() >= 20);
        server.resetAll();
        stubAll(429, "application/json", "{\"error\":{\"message\":\"You exceeded your current quota, please check your"
                + " plan and billing details.\",\"type\":\"insufficient_quota\",\"param\":null,"
                + "\"code\":\"insufficient_quota\"}}");
        RunSummary summary = done.get(30, TimeUnit.SECONDS);

        assertThat(summary.total()).isEqualTo(2000);
        assertThat(summary.succeeded()).isGreaterThanOrEqualTo(20);
        assertThat(summary.succeeded() + summary.failed()).isEqualTo(2000);
        assertThat(calls()).as("calls after the account ran dry").isLessThanOrEqualTo(10);
        List<JsonNode> failed = pipeline.results("credit").stream().filter(r -> !r.get("status").asText().equals("ok"))
                .toList();
        assertThat(failed).allSatisfy(r -> assertThat(r.get("error").get("type").asText())
                .isEqualTo("insufficient_quota"));
        assertThat(Files.readAllLines(pipeline.outbox.resolve("credit.failed.jsonl"))).hasSize(failed.size());
    }

    @Test
    void an_unknown_model_stops_only_that_models_prompts() throws Exception {
        server.stubFor(post(urlEqualTo(CHAT)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(completion("fine"))));
        server.stubFor(post(urlEqualTo(CHAT)).withRequestBody(
                        com.github.tomakehurst.wiremock.client.WireMock.containing("\"model\":\"gpt-nope\""))
                .atPriority(1).willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"The model `gpt-nope` does not exist or you do not have "
                                + "access to it.\",\"type\":\"invalid_request_error\",\"param\":null,"
                                + "\"code\":\"model_not_found\"}}")));
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= 400; i++) {
            lines.append("{\"custom_id\":\"p").append(i).append("\",\"prompt\":\"hi\",\"model\":\"")
                    .append(i % 2 == 0 ? "gpt-nope" : "gpt-4o-mini").append("\"}\n");
        }
        pipeline.with("llm.concurrency", "10").start();
        RunSummary summary = pipeline.run(pipeline.write("models.jsonl", lines.toString()));

        assertThat(summary.succeeded()).isEqualTo(200);
        assertThat(summary.failed()).isEqualTo(200);
        long nopeCalls = server.getAllServeEvents().stream()
                .filter(e -> e.getRequest().getBodyAsString().contains("gpt-nope")).count();
        assertThat(nopeCalls).isLessThanOrEqualTo(20);
        assertThat(pipeline.results("models").stream().filter(r -> r.get("status").asText().equals("error")))
                .allSatisfy(r -> assertThat(r.get("error").get("type").asText()).isEqualTo("model_not_found"));
    }

    @Test
    void a_gateway_outage_on_ten_thousand_lines_ends_with_every_line_answered() throws Exception {
        stubAll(502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
                + "Gateway</h1></center><hr><center>nginx</center></body></html>");
        pipeline.with("llm.concurrency", "50").with("llm.retry.max-outage-ms", "3000")
                .with("llm.retry.max-probe-interval-ms", "500").start();
        Path file = pipeline.write("outage.jsonl", PipelineFixture.prompts(10_000));
        RunSummary summary = pipeline.app().submitFile(file).get(120, TimeUnit.SECONDS);

        assertThat(summary.total()).isEqualTo(10_000);
        assertThat(summary.failed()).isEqualTo(10_000);
        assertThat(calls()).as("calls for 10,000 lines during an outage").isLessThan(400);
        List<JsonNode> results = pipeline.results("outage");
        assertThat(results).hasSize(10_000);
        assertThat(results.stream().map(r -> r.get("error").get("type").asText()).distinct())
                .isSubsetOf("outage", "http_error");
        assertThat(Files.readAllLines(pipeline.outbox.resolve("outage.failed.jsonl"))).hasSize(10_000);
    }

    @Test
    void an_outage_is_ridden_out_and_the_run_carries_on_by_itself() throws Exception {
        stubAll(503, "application/json", "{\"error\":{\"message\":\"The server is overloaded\",\"type\":\"server_error\"}}");
        pipeline.with("llm.concurrency", "20").with("llm.retry.max-attempts", "3")
                .with("llm.retry.max-probe-interval-ms", "400").start();
        var done = pipeline.app().submitFile(pipeline.write("ride.jsonl", PipelineFixture.prompts(500)));
        await().atMost(20, TimeUnit.SECONDS).until(() -> calls() >= 40);
        int duringOutage = calls();
        server.resetAll();
        server.stubFor(post(urlEqualTo(CHAT)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(completion("back"))));
        RunSummary summary = done.get(60, TimeUnit.SECONDS);

        assertThat(summary.succeeded()).as("every line answered once the API is back").isEqualTo(500);
        assertThat(duringOutage).isLessThan(200);
    }

    @Test
    void a_trickling_body_is_cut_at_the_response_deadline() throws Exception {
        server.stubFor(post(urlEqualTo(CHAT)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody(completion("slow " + "x".repeat(200)))
                .withChunkedDribbleDelay(40, 8000)));
        pipeline.with("llm.timeout.response-ms", "1000").with("llm.retry.max-attempts", "2").start();
        long start = System.nanoTime();
        RunSummary summary = pipeline.run(pipeline.write("trickle.jsonl", PipelineFixture.prompts(1)));
        long ms = (System.nanoTime() - start) / 1_000_000;

        assertThat(summary.failed()).isEqualTo(1);
        JsonNode r = pipeline.results("trickle").get(0);
        assertThat(r.get("error").get("type").asText()).isEqualTo("timeout");
        assertThat(r.get("attempts").asInt()).isEqualTo(2);
        assertThat(ms).as("two attempts cut at 1 s each, not two 8 s bodies").isLessThan(6000);
    }

    @Test
    void a_rate_limit_answer_holds_back_every_caller() throws Exception {
        server.stubFor(post(urlEqualTo(CHAT)).inScenario("rl").whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(429).withHeader("retry-after-ms", "1500")
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini on requests per min"
                                + " (RPM): Limit 3, Used 3, Requested 1. Please try again in 1.5s.\","
                                + "\"type\":\"requests\",\"param\":null,\"code\":\"rate_limit_exceeded\"}}"))
                .willSetStateTo("ok"));
        server.stubFor(post(urlEqualTo(CHAT)).inScenario("rl").whenScenarioStateIs("ok")
                .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "application/json")
                        .withBody(completion("ok")).withFixedDelay(50)));
        pipeline.with("llm.concurrency", "10").start();
        RunSummary summary = pipeline.run(pipeline.write("pause.jsonl", PipelineFixture.prompts(60)));

        assertThat(summary.succeeded()).isEqualTo(60);
        List<ServeEvent> events = server.getAllServeEvents().stream()
                .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate())).toList();
        List<ServeEvent> limitedCalls = events.stream().filter(e -> e.getResponse().getStatus() == 429).toList();
        assertThat(events).hasSize(60 + limitedCalls.size()); // concurrent first calls may all see the 429
        long limited = limitedCalls.get(limitedCalls.size() - 1).getRequest().getLoggedDate().getTime();
        // the calls already in flight when the 429 arrived finish; no caller sends anything new until the pause ends
        assertThat(events).filteredOn(e -> {
            long at = e.getRequest().getLoggedDate().getTime();
            return at > limited + 300 && at < limited + 1450;
        }).isEmpty();
        assertThat(events.get(events.size() - 1).getRequest().getLoggedDate().getTime() - limited)
                .isGreaterThanOrEqualTo(1500);
        assertThat(pipeline.results("pause")).allSatisfy(r -> assertThat(r.get("attempts").asInt()).isEqualTo(1));
    }
}
