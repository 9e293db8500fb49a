package io.github.camelllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.github.camelllm.OpenAiStubs.CHAT;
import static io.github.camelllm.OpenAiStubs.badRequest;
import static io.github.camelllm.OpenAiStubs.echo;
import static io.github.camelllm.OpenAiStubs.ok;
import static io.github.camelllm.OpenAiStubs.rateLimited;
import static io.github.camelllm.OpenAiStubs.serverError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The real-time path end to end, against a real HTTP server (WireMock) with delays and faults. */
@EachHttpClient
class RealtimeCallsTest {

    /** The chat client under test ({@code llm.http.client}). */
    final String httpClient;

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @RegisterExtension
    final PipelineFixture pipeline;

    RealtimeCallsTest(String httpClient) {
        this.httpClient = httpClient;
        this.pipeline = new PipelineFixture(api).with("llm.http.client", httpClient);
    }

    /** Echoes the prompt so each result can be matched to its line. */
    void stubEcho(int minDelayMs, int maxDelayMs) {
        api.answerChats(echo().withUniformRandomDelay(minDelayMs, maxDelayMs));
    }

    @Test
    void the_chosen_http_client_makes_the_calls_and_stops_with_the_pipeline() throws Exception {
        stubEcho(1, 5);
        // Vert.x threads of others in this JVM (servers, pipelines of earlier tests on the default client) may be
        // alive: only those started with this pipeline must be gone once it stops
        Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
        pipeline.start();
        Object client = pipeline.app().context().getRegistry().lookupByName("llm-chatClient");
        assertThat(client.getClass().getSimpleName())
                .isEqualTo("vertx".equals(httpClient) ? "VertxChatClient" : "ChatClient");
        RunSummary summary = pipeline.run(pipeline.write("chosen.jsonl", PipelineFixture.prompts(5)));
        assertThat(summary.succeeded()).isEqualTo(5);
        pipeline.stop();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
                .noneMatch(t -> t.isAlive() && t.getName().startsWith("vert.x-") && !before.contains(t)));
    }

    @Test
    void ordered_results_follow_input_order_under_random_latency() throws Exception {
        stubEcho(5, 120);
        pipeline.with("llm.concurrency", "20").start();
        RunSummary summary = pipeline.run(pipeline.write("ordered.jsonl", PipelineFixture.prompts(100)));

        List<JsonNode> results = pipeline.results("ordered");
        assertThat(results).hasSize(100);
        for (int i = 0; i < 100; i++) {
            JsonNode r = results.get(i);
            assertThat(r.get("line").asInt()).isEqualTo(i + 1);
            assertThat(r.get("custom_id").asText()).isEqualTo("p" + (i + 1));
            assertThat(r.get("status").asText()).isEqualTo("ok");
            assertThat(r.get("route").asText()).isEqualTo("realtime");
            assertThat(r.get("content").asText()).isEqualTo("re: prompt number " + (i + 1));
            assertThat(r.get("usage").get("total_tokens").asInt()).isEqualTo(5);
            assertThat(r.get("attempts").asInt()).isEqualTo(1);
        }
        assertThat(summary.total()).isEqualTo(100);
        assertThat(summary.succeeded()).isEqualTo(100);
        JsonNode json = pipeline.summary("ordered");
        assertThat(json.get("latency_ms").get("p50").asLong()).isPositive();
        assertThat(json.get("tokens").get("prompt").asLong()).isEqualTo(300);
        assertThat(json.get("routes").get("realtime").asLong()).isEqualTo(100);
        // the server received Content-Type: application/json and the model
        api.server().verify(100, postRequestedFor(urlEqualTo(CHAT)).withHeader("Content-Type", containing("application/json")));
    }

    @Test
    void streamed_results_appear_before_the_slowest_call_ends() throws Exception {
        stubEcho(1, 20);
        api.answerChatsContaining("SLOW", ok("slow done").withFixedDelay(4000));
        pipeline.with("llm.output.order", "streamed").start();
        String input = "{\"custom_id\":\"slow\",\"prompt\":\"SLOW one\"}\n" + PipelineFixture.prompts(20);
        Path file = pipeline.write("streamed.jsonl", input);
        CompletableFuture<RunSummary> done = CompletableFuture.supplyAsync(() -> {
            try {
                return pipeline.run(file);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Path results = pipeline.outbox.resolve("streamed.results.jsonl");
        await().atMost(10, TimeUnit.SECONDS).until(() -> Files.exists(results)
                && Files.readAllLines(results).size() == 20);
        assertThat(done).isNotDone();
        assertThat(Files.readString(results)).doesNotContain("slow done");
        RunSummary summary = done.get(20, TimeUnit.SECONDS);
        assertThat(summary.succeeded()).isEqualTo(21);
        List<String> lines = Files.readAllLines(results);
        assertThat(lines).hasSize(21);
        assertThat(lines.get(20)).contains("slow done"); // the slow line came last: streamed, not ordered
    }

    @Test
    void retry_after_is_honoured() throws Exception {
        api.answerChatsInTurn(rateLimited("Retry-After", "2"), ok("after wait"));
        pipeline.start();
        RunSummary summary = pipeline.run(pipeline.write("rl.jsonl", PipelineFixture.prompts(1)));

        assertThat(summary.succeeded()).isEqualTo(1);
        assertThat(summary.retries()).as("a rate-limit wait does not use up an attempt").isZero();
        assertThat(summary.rateLimits().rateLimitedAnswers()).isEqualTo(1);
        assertThat(summary.rateLimits().throttledMs()).isGreaterThanOrEqualTo(1900);
        List<ServeEvent> events = api.callsInOrder();
        assertThat(events).hasSize(2);
        long gap = events.get(1).getRequest().getLoggedDate().getTime() - events.get(0).getRequest().getLoggedDate().getTime();
        assertThat(gap).isGreaterThanOrEqualTo(2000);
        JsonNode r = pipeline.results("rl").get(0);
        assertThat(r.get("attempts").asInt()).isEqualTo(1);
        assertThat(r.get("latency_ms").asLong()).isGreaterThanOrEqualTo(2000);
    }

    @Test
    void server_error_then_success_is_retried() throws Exception {
        api.answerChatsInTurn(serverError(500, "boom"), ok("fine"));
        pipeline.start();
        pipeline.run(pipeline.write("e500.jsonl", PipelineFixture.prompts(1)));
        JsonNode r = pipeline.results("e500").get(0);
        assertThat(r.get("status").asText()).isEqualTo("ok");
        assertThat(r.get("content").asText()).isEqualTo("fine");
        assertThat(r.get("attempts").asInt()).isEqualTo(2);
        api.server().verify(2, postRequestedFor(urlEqualTo(CHAT)));
    }

    @Test
    void a_hang_past_the_response_timeout_is_retried() throws Exception {
        api.answerChatsInTurn(ok("too late").withFixedDelay(3000), ok("in time"));
        pipeline.with("llm.timeout.response-ms", "500").start();
        pipeline.run(pipeline.write("hang.jsonl", PipelineFixture.prompts(1)));
        JsonNode r = pipeline.results("hang").get(0);
        assertThat(r.get("status").asText()).isEqualTo("ok");
        assertThat(r.get("content").asText()).isEqualTo("in time");
        assertThat(r.get("attempts").asInt()).isEqualTo(2);
    }

    @Test
    void a_dropped_connection_is_retried() throws Exception {
        api.answerChatsInTurn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER), ok("reconnected"));
        pipeline.start();
        pipeline.run(pipeline.write("reset.jsonl", PipelineFixture.prompts(1)));
        JsonNode r = pipeline.results("reset").get(0);
        assertThat(r.get("status").asText()).isEqualTo("ok");
        assertThat(r.get("attempts").asInt()).isEqualTo(2);
    }

    @Test
    void bad_request_is_not_retried() throws Exception {
        api.answerChats(badRequest("Invalid value for max_tokens"));
        pipeline.start();
        RunSummary summary = pipeline.run(pipeline.write("e400.jsonl", PipelineFixture.prompts(1)));
        api.server().verify(1, postRequestedFor(urlEqualTo(CHAT)));
        JsonNode r = pipeline.results("e400").get(0);
        assertThat(r.get("status").asText()).isEqualTo("error");
        assertThat(r.get("attempts").asInt()).isEqualTo(1);
        assertThat(r.get("error").get("http_status").asInt()).isEqualTo(400);
        assertThat(r.get("error").get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(r.get("error").get("message").asText()).contains("Invalid value for max_tokens");
        assertThat(summary.failed()).isEqualTo(1);
    }

    @Test
    void exhausted_retries_become_an_error_record() throws Exception {
        api.answerChats(serverError(503, "overloaded"));
        pipeline.with("llm.retry.max-attempts", "3").start();
        String input = PipelineFixture.prompts(2);
        RunSummary summary = pipeline.run(pipeline.write("exhaust.jsonl", input));
        api.server().verify(6, postRequestedFor(urlEqualTo(CHAT)));
        assertThat(summary.failed()).isEqualTo(2);
        assertThat(summary.retries()).isEqualTo(4);
        for (JsonNode r : pipeline.results("exhaust")) {
            assertThat(r.get("status").asText()).isEqualTo("error");
            assertThat(r.get("attempts").asInt()).isEqualTo(3);
            assertThat(r.get("error").get("http_status").asInt()).isEqualTo(503);
            assertThat(r.get("error").get("message").asText()).startsWith("gave up after 3 attempts");
        }
        // the failed prompts are written back in the input format, ready to drop into the inbox again
        assertThat(Files.readString(pipeline.outbox.resolve("exhaust.failed.jsonl"))).isEqualTo(input);
    }

    @Test
    void x_should_retry_false_stops_retries() throws Exception {
        api.answerChats(serverError(503, "do not retry").withHeader("x-should-retry", "false"));
        pipeline.start();
        pipeline.run(pipeline.write("noretry.jsonl", PipelineFixture.prompts(1)));
        api.server().verify(1, postRequestedFor(urlEqualTo(CHAT)));
    }

    @Test
    void model_and_request_shape_follow_the_line() throws Exception {
        stubEcho(0, 1);
        pipeline.with("llm.model", "default-model").start();
        pipeline.run(pipeline.write("shape.jsonl",
                "{\"custom_id\":\"a\",\"prompt\":\"hi\",\"system\":\"be brief\",\"model\":\"m2\",\"max_tokens\":7,\"temperature\":0.5}\n"
                        + "{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\"m3\",\"messages\":[{\"role\":\"user\",\"content\":\"raw\"}],\"seed\":3}}\n"
                        + "{\"prompt\":\"no id\"}\n"));
        api.server().verify(postRequestedFor(urlEqualTo(CHAT)).withRequestBody(equalTo(
                "{\"model\":\"m2\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":7,\"temperature\":0.5}")));
        api.server().verify(postRequestedFor(urlEqualTo(CHAT)).withRequestBody(equalTo(
                "{\"model\":\"m3\",\"messages\":[{\"role\":\"user\",\"content\":\"raw\"}],\"seed\":3}")));
        api.server().verify(postRequestedFor(urlEqualTo(CHAT)).withRequestBody(equalTo(
                "{\"model\":\"default-model\",\"messages\":[{\"role\":\"user\",\"content\":\"no id\"}]}")));
        assertThat(pipeline.results("shape").get(2).get("custom_id").asText()).isEqualTo("3");
    }
}
