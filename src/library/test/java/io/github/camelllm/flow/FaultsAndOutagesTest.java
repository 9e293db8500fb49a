package io.github.camelllm.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.EachHttpClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.github.camelllm.OpenAiStubs.badGateway;
import static io.github.camelllm.OpenAiStubs.invalidApiKey;
import static io.github.camelllm.OpenAiStubs.modelNotFound;
import static io.github.camelllm.OpenAiStubs.ok;
import static io.github.camelllm.OpenAiStubs.quotaExhausted;
import static io.github.camelllm.OpenAiStubs.rateLimited;
import static io.github.camelllm.OpenAiStubs.serverError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Faults of the whole API, not of one prompt, against a real HTTP server (WireMock). */
@EachHttpClient
class FaultsAndOutagesTest {

    /** The chat client under test ({@code llm.http.client}). */
    final String httpClient;

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @RegisterExtension
    final PipelineFixture pipeline;

    FaultsAndOutagesTest(String httpClient) {
        this.httpClient = httpClient;
        this.pipeline = new PipelineFixture(api).with("llm.http.client", httpClient);
    }

    @BeforeEach
    void withAKey() {
        pipeline.with("llm.api-key", "sk-test-secret-key-123456");
    }

    int calls() {
        return api.calls();
    }

    @Test
    void a_refused_key_stops_the_run_after_the_calls_in_flight() throws Exception {
        api.answerChats(invalidApiKey("sk-te***3456"));
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
        api.answerChats(ok("paid").withFixedDelay(200));
        pipeline.with("llm.concurrency", "5").start();
        Path file = pipeline.write("credit.jsonl", PipelineFixture.prompts(2000));
        var done = pipeline.app().submitFile(file);
        await().atMost(20, TimeUnit.SECONDS).until(() -> calls() >= 20);
        api.reset();
        api.answerChats(quotaExhausted());
        RunSummary summary = done.get(30, TimeUnit.SECONDS);

        assertThat(summary.total()).isEqualTo(2000);
        assertThat(summary.succeeded()).isGreaterThanOrEqualTo(20);
        assertThat(summary.succeeded() + summary.failed()).isEqualTo(2000);
        assertThat(calls()).as("calls after the account ran dry: about the calls in flight").isLessThanOrEqualTo(15);
        List<JsonNode> failed = pipeline.results("credit").stream().filter(r -> !r.get("status").asText().equals("ok"))
                .toList();
        assertThat(failed).allSatisfy(r -> assertThat(r.get("error").get("type").asText())
                .isEqualTo("insufficient_quota"));
        assertThat(Files.readAllLines(pipeline.outbox.resolve("credit.failed.jsonl"))).hasSize(failed.size());
    }

    @Test
    void an_unknown_model_stops_only_that_models_prompts() throws Exception {
        api.answerChats(ok("fine"));
        api.answerChatsContaining("\"model\":\"gpt-nope\"", modelNotFound("gpt-nope"));
        StringBuilder lines = new StringBuilder();
        for (int i = 1; i <= 400; i++) {
            lines.append("{\"custom_id\":\"p").append(i).append("\",\"prompt\":\"hi\",\"model\":\"")
                    .append(i % 2 == 0 ? "gpt-nope" : "gpt-4o-mini").append("\"}\n");
        }
        pipeline.with("llm.concurrency", "10").start();
        RunSummary summary = pipeline.run(pipeline.write("models.jsonl", lines.toString()));

        assertThat(summary.succeeded()).isEqualTo(200);
        assertThat(summary.failed()).isEqualTo(200);
        long nopeCalls = api.server().getAllServeEvents().stream()
                .filter(e -> e.getRequest().getBodyAsString().contains("gpt-nope")).count();
        assertThat(nopeCalls).isLessThanOrEqualTo(20);
        assertThat(pipeline.results("models").stream().filter(r -> r.get("status").asText().equals("error")))
                .allSatisfy(r -> assertThat(r.get("error").get("type").asText()).isEqualTo("model_not_found"));
    }

    @Test
    void a_gateway_outage_on_ten_thousand_lines_ends_with_every_line_answered() throws Exception {
        api.answerChats(badGateway());
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
        api.answerChats(serverError(503, "The server is overloaded"));
        pipeline.with("llm.concurrency", "20").with("llm.retry.max-attempts", "3")
                .with("llm.retry.max-probe-interval-ms", "400").start();
        var done = pipeline.app().submitFile(pipeline.write("ride.jsonl", PipelineFixture.prompts(500)));
        await().atMost(20, TimeUnit.SECONDS).until(() -> calls() >= 40);
        int duringOutage = calls();
        api.reset();
        api.answerChats(ok("back"));
        RunSummary summary = done.get(60, TimeUnit.SECONDS);

        assertThat(summary.succeeded()).as("every line answered once the API is back").isEqualTo(500);
        assertThat(duringOutage).isLessThan(200);
    }

    @Test
    void a_trickling_body_is_cut_at_the_response_deadline() throws Exception {
        api.answerChats(ok("slow " + "x".repeat(200)).withChunkedDribbleDelay(40, 8000));
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
        api.answerChatsInTurn(rateLimited("retry-after-ms", "1500"), ok("ok").withFixedDelay(50));
        pipeline.with("llm.concurrency", "10").start();
        RunSummary summary = pipeline.run(pipeline.write("pause.jsonl", PipelineFixture.prompts(60)));

        assertThat(summary.succeeded()).isEqualTo(60);
        List<ServeEvent> events = api.callsInOrder();
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

    @Test
    void a_rate_limit_answer_asking_for_an_hour_pauses_the_callers_no_longer_than_allowed() throws Exception {
        api.answerChatsInTurn(rateLimited("retry-after", "3600"), ok("after the pause"));
        pipeline.with("llm.retry.max-retry-after-ms", "300").start();
        RunSummary summary = pipeline.app().submitFile(pipeline.write("hour.jsonl", PipelineFixture.prompts(20)))
                .get(30, TimeUnit.SECONDS);

        assertThat(summary.succeeded()).isEqualTo(20);
        assertThat(summary.rateLimits().throttledMs()).as("the pause, cut to 300 ms").isBetween(250L, 5000L);
    }
}
