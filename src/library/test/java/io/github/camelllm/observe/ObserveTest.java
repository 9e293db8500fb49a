package io.github.camelllm.observe;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.github.camelllm.OpenAiStubs.invalidApiKey;
import static io.github.camelllm.OpenAiStubs.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Progress, meters and health of a pipeline in a host, read over HTTP from its management port. */
class ObserveTest {

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs(options().dynamicPort().containerThreads(40));
    @RegisterExtension
    final PipelineFixture pipeline = new PipelineFixture(api).with("llm.management.port", "0")
            .with("llm.management.host", "127.0.0.1");

    PipelineObserver observer() {
        return pipeline.app().pipeline().observer();
    }

    @Test
    void a_known_run_shows_in_the_metrics_the_progress_and_the_runs() throws Exception {
        api.answerChats(ok("fine"));
        // priced so the progress shows spend: 3 input tokens at $1,000 and 2 output at $2,000 per 1M = $0.007 each
        pipeline.with("llm.model", "gpt-test").with("llm.prices", "gpt-test=1000/2000").start();
        Path file = pipeline.write("known.jsonl", PipelineFixture.prompts(40) + "not json\n");
        RunSummary summary = pipeline.run(file);
        assertThat(summary.succeeded()).isEqualTo(40);
        int port = observer().managementPort();

        List<Scrape.Sample> metrics = Scrape.metrics(port);
        assertThat(Scrape.value(metrics, "llm_prompts_total", "status", "ok", "route", "realtime")).isEqualTo(40);
        assertThat(Scrape.value(metrics, "llm_prompts_total", "status", "invalid")).isEqualTo(1);
        assertThat(Scrape.value(metrics, "llm_prompts_total", "status", "error")).isZero();
        assertThat(Scrape.value(metrics, "gen_ai_client_operation_duration_seconds_count",
                "gen_ai_operation_name", "chat", "gen_ai_request_model", "gpt-test", "error_type", "none"))
                .isEqualTo(40);
        assertThat(Scrape.value(metrics, "gen_ai_client_operation_duration_seconds_sum",
                "gen_ai_request_model", "gpt-test", "error_type", "none")).isPositive();
        // the stub's usage: 3 prompt tokens, 2 completion tokens per answer
        assertThat(Scrape.value(metrics, "gen_ai_client_token_usage_tokens_sum", "gen_ai_request_model", "gpt-test",
                "gen_ai_token_type", "input")).isEqualTo(120);
        assertThat(Scrape.value(metrics, "gen_ai_client_token_usage_tokens_sum", "gen_ai_token_type", "output"))
                .isEqualTo(80);
        // the cost the run's ledger counted, to the cent: 40 x $0.007
        assertThat(Scrape.value(metrics, "llm_cost_usd_total", "model", "gpt-test", "route", "realtime"))
                .isEqualTo(0.28);
        assertThat(Scrape.value(metrics, "llm_rate_limited_total", "model", "gpt-test")).isZero();
        assertThat(Scrape.value(metrics, "llm_calls_in_flight")).isZero();
        assertThat(Scrape.value(metrics, "llm_breaker_open", "breaker", "fault")).isZero();

        RunProgress done = observer().progressOf(file).orElseThrow();
        assertThat(done.state()).isEqualTo(RunProgress.COMPLETED);
        assertThat(done.line()).startsWith("known.jsonl 41/41 (100%) ok 40 error 0 invalid 1")
                .contains("| spent $0.2800");
        await().atMost(5, TimeUnit.SECONDS).untilAsserted(() -> assertThat(Scrape.value(Scrape.metrics(port),
                "llm_runs_finished_total", "outcome", "completed")).isEqualTo(1));

        JsonNode runs = PipelineFixture.JSON.readTree(Scrape.get(port, "/observe/runs").body());
        assertThat(runs.get("pipeline").asText()).isEqualTo("llm");
        assertThat(runs.get("recent").get(0).get("ok").asLong()).isEqualTo(40);
        assertThat(runs.get("recent").get(0).get("total").asLong()).isEqualTo(41);
        assertThat(runs.get("recent").get(0).get("cost").get("total_usd").decimalValue())
                .isEqualByComparingTo("0.28");
        HttpResponse<String> health = Scrape.get(port, "/observe/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(PipelineFixture.JSON.readTree(health.body()).get("status").asText()).isEqualTo("UP");
        assertThat(Scrape.get(port, "/").body()).contains("<canvas");
    }

    @Test
    void progress_moves_while_a_run_goes() throws Exception {
        api.answerChats(ok("slow").withFixedDelay(100));
        pipeline.with("llm.concurrency", "2").start();
        Path file = pipeline.write("slow.jsonl", PipelineFixture.prompts(60));
        CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(() -> pipeline.app().submitFile(file))
                .thenCompose(f -> f);

        AtomicReference<RunProgress> seen = new AtomicReference<>();
        await().atMost(20, TimeUnit.SECONDS).until(() -> {
            RunProgress p = observer().progressOf(file).orElse(null);
            seen.set(p);
            return p != null && RunProgress.RUNNING.equals(p.state()) && p.done() >= 10 && p.rate() > 0;
        });
        RunProgress going = seen.get();
        assertThat(going.total()).isEqualTo(60);
        assertThat(going.done()).isLessThan(60);
        // never more ok than lines done; fewer only by results recorded while the progress was read (at most C = 2)
        assertThat(going.ok()).isLessThanOrEqualTo(going.done()).isGreaterThanOrEqualTo(going.done() - 2);
        assertThat(going.etaMs()).isPositive();
        assertThat(going.line()).matches("slow\\.jsonl \\d+/60 \\(\\d+%\\) ok \\d+ error 0 invalid 0 \\| .*ETA .*");
        assertThat(run.get(30, TimeUnit.SECONDS).succeeded()).isEqualTo(60);
        assertThat(observer().progressOf(file).orElseThrow().done()).isEqualTo(60);
    }

    @Test
    void readiness_is_down_while_a_refused_key_holds_the_calls_and_up_once_it_is_fixed() throws Exception {
        api.answerChats(invalidApiKey("sk-te***3456"));
        pipeline.with("llm.faults.on-fatal", "hold").with("llm.faults.probe-interval-ms", "300")
                .with("llm.api-key", "sk-test-secret-key-123456").start();
        int port = observer().managementPort();
        assertThat(Scrape.get(port, "/observe/health/ready").statusCode()).isEqualTo(200);
        Path file = pipeline.write("held.jsonl", PipelineFixture.prompts(10));
        CompletableFuture<RunSummary> run = CompletableFuture.supplyAsync(() -> pipeline.app().submitFile(file))
                .thenCompose(f -> f);

        await().atMost(20, TimeUnit.SECONDS).until(() -> Scrape.get(port, "/observe/health/ready").statusCode() == 503);
        JsonNode ready = PipelineFixture.JSON.readTree(Scrape.get(port, "/observe/health/ready").body());
        assertThat(ready.get("status").asText()).isEqualTo("DOWN");
        assertThat(ready.toString()).contains("llm-pipeline-llm").doesNotContain("sk-test");
        assertThat(Scrape.get(port, "/observe/health/live").statusCode()).isEqualTo(200);
        assertThat(Scrape.value(Scrape.metrics(port), "llm_breaker_open", "breaker", "fault")).isEqualTo(1);
        assertThat(Scrape.value(Scrape.metrics(port), "gen_ai_client_operation_duration_seconds_count",
                "error_type", "auth")).isPositive();

        api.reset();
        api.answerChats(ok("fixed"));
        await().atMost(20, TimeUnit.SECONDS).until(() -> Scrape.get(port, "/observe/health/ready").statusCode() == 200);
        assertThat(run.get(30, TimeUnit.SECONDS).succeeded()).isEqualTo(10);
    }

    @Test
    void the_end_of_a_failed_run_names_the_setting_and_the_file() throws Exception {
        api.answerChats(invalidApiKey("sk-te***3456"));
        pipeline.with("llm.api-key", "sk-test-secret-key-123456").start();
        Path file = pipeline.write("refused.jsonl", PipelineFixture.prompts(5));
        pipeline.run(file);

        RunProgress done = observer().progressOf(file).orElseThrow();
        assertThat(done.error()).isEqualTo(5);
        assertThat(observer().nextSteps(done)).containsExactly(
                "5 failed with authentication_error: the API refused the key: set llm.api-key / OPENAI_API_KEY "
                        + "to a valid key",
                "the failed lines are in " + pipeline.outbox.resolve("refused.failed.jsonl") + ": once the cause is "
                        + "fixed, run that file (run FILE) or drop it into the inbox");
    }

    @Test
    void a_management_port_in_use_stops_the_start_and_names_the_setting_to_change() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            assertThatThrownBy(() -> pipeline.with("llm.management.port", Integer.toString(taken.getLocalPort()))
                    .start()).hasStackTraceContaining("is in use (another instance on this machine?)")
                    .hasStackTraceContaining("set llm.management.port to a free port, 0 for any free port");
        }
    }
}
