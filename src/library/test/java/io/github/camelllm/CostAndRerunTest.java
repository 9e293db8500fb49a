package io.github.camelllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import io.github.camelllm.cost.RunCost;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.github.camelllm.OpenAiStubs.invalidApiKey;
import static io.github.camelllm.OpenAiStubs.json;
import static io.github.camelllm.OpenAiStubs.serverError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a run costs (from the usage its answers report), the spend cap stopping a run where its next call could
 * pass it, and running a run again after it failed, was capped or had its key refused: exactly its failed lines
 * are sent again, and one merged results file and a summary of the whole run come out.
 */
class CostAndRerunTest {

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @RegisterExtension
    final PipelineFixture pipeline = new PipelineFixture(api);

    /** An answer reporting 1000 input tokens (200 of them cached) and 500 output tokens. */
    static ResponseDefinitionBuilder answerWithUsage() {
        return json(200, "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"fine\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":500,"
                + "\"total_tokens\":1500,\"prompt_tokens_details\":{\"cached_tokens\":200}}}");
    }

    /** At gpt-4o-mini's prices: 800 x 0.15 + 200 x 0.075 + 500 x 0.60 per 1M tokens. */
    static final String ONE_ANSWER_USD = "0.000435";

    static Path prompts(PipelineFixture pipeline, int n, String extra) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append(PipelineFixture.line("p" + i, "prompt " + i, extra)).append('\n');
        }
        return pipeline.write("spend.jsonl", sb.toString());
    }

    @Test
    void the_summary_says_what_the_run_cost_per_route_and_which_models_had_no_price() throws Exception {
        api.answerChats(answerWithUsage());
        pipeline.start();
        Path file = pipeline.write("cost.jsonl", List.of(
                PipelineFixture.line("a", "one", null),
                PipelineFixture.line("b", "two", null),
                PipelineFixture.line("c", "three", "\"model\":\"my-model\"")));

        RunSummary summary = pipeline.run(file);

        RunCost cost = summary.cost();
        assertThat(cost.realtime().lines()).isEqualTo(3);
        assertThat(cost.realtime().promptTokens()).isEqualTo(3000);
        assertThat(cost.realtime().cachedTokens()).isEqualTo(600);
        assertThat(cost.realtime().completionTokens()).isEqualTo(1500);
        assertThat(cost.totalUsd()).as("two priced answers").isEqualByComparingTo("0.00087");
        assertThat(cost.realtime().unpricedLines()).isOne();
        assertThat(cost.unpricedModels()).containsExactly("my-model");
        assertThat(cost.capUsd()).isNull();

        JsonNode written = pipeline.summary("cost").get("cost");
        assertThat(written.get("total_usd").decimalValue()).isEqualByComparingTo("0.00087");
        assertThat(written.get("realtime").get("cost_usd").decimalValue()).isEqualByComparingTo("0.00087");
        assertThat(written.get("batch").get("lines").asLong()).isZero();
        assertThat(written.get("unpriced_models").get(0).asText()).isEqualTo("my-model");
        assertThat(pipeline.results("cost").get(0).get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(pipeline.results("cost").get(0).get("usage").get("prompt_tokens_details").get("cached_tokens")
                .asLong()).isEqualTo(200);
        assertThat(summary.oneLine()).contains("cost $0.000870 + unknown (no price for my-model)");
        assertThat(summary.nextStep()).startsWith("next: nothing");
        assertThat(pipeline.app().runs().costOf(summary.runId())).as("readable after the run").isEqualTo(cost);
    }

    @Test
    void the_cap_stops_the_run_before_a_call_that_could_pass_it_and_a_rerun_with_a_higher_cap_sends_only_the_rest()
            throws Exception {
        api.answerChats(answerWithUsage());
        // each call may cost at most ~$0.0006 (max_tokens 1000 at $0.60 per 1M); each answer costs $0.000435
        pipeline.with("llm.concurrency", "1").with("llm.budget.max-cost-usd", "0.0015").start();
        Path file = prompts(pipeline, 5, "\"max_tokens\":1000");

        RunSummary capped = pipeline.run(file);

        assertThat(api.chatCalls()).as("$0.001305 answered + $0.0006 would pass $0.0015").isEqualTo(3);
        assertThat(capped.succeeded()).isEqualTo(3);
        assertThat(capped.failed()).isEqualTo(2);
        assertThat(capped.cost().totalUsd()).isEqualByComparingTo("0.001305");
        assertThat(capped.cost().budgetExceeded()).isEqualTo(2);
        assertThat(capped.cost().capUsd()).isEqualByComparingTo("0.0015");
        List<JsonNode> results = pipeline.results("spend");
        assertThat(results.get(3).get("error").get("type").asText()).isEqualTo("budget_exceeded");
        assertThat(results.get(3).get("error").get("message").asText())
                .contains("spend cap reached: llm.budget.max-cost-usd=0.0015");
        assertThat(Files.readAllLines(pipeline.outbox.resolve("spend.failed.jsonl"))).hasSize(2);
        assertThat(capped.nextStep()).contains("the spend cap llm.budget.max-cost-usd=0.0015 stopped the run")
                .contains("2 line(s) were not sent").contains("raise the cap");

        pipeline.stop();
        pipeline.with("llm.budget.max-cost-usd", "0.01").start();
        RunSummary whole = pipeline.run(file);

        assertThat(api.chatCalls()).as("only the two capped lines, nothing paid twice").isEqualTo(5);
        assertThat(whole.runId()).isEqualTo(capped.runId());
        assertThat(whole.succeeded()).isEqualTo(5);
        assertThat(whole.failed()).isZero();
        assertThat(whole.cost().totalUsd()).isEqualByComparingTo("0.002175");
        assertThat(whole.cost().budgetExceeded()).isZero();
        assertThat(pipeline.results("spend")).extracting(r -> r.get("custom_id").asText() + ":"
                + r.get("status").asText()).containsExactly("p1:ok", "p2:ok", "p3:ok", "p4:ok", "p5:ok");
        assertThat(pipeline.outbox.resolve("spend.failed.jsonl")).doesNotExist();
        assertThat(whole.nextStep()).startsWith("next: nothing");

        pipeline.stop();
        pipeline.start();
        assertThat(pipeline.run(file).succeeded()).isEqualTo(5);
        assertThat(api.chatCalls()).as("complete: already processed, nothing called").isEqualTo(5);
    }

    @Test
    void calls_in_flight_hold_their_worst_case_so_concurrent_calls_never_pass_the_cap() throws Exception {
        api.answerChats(answerWithUsage().withFixedDelay(300));
        pipeline.with("llm.concurrency", "5").with("llm.budget.max-cost-usd", "0.0015").start();
        Path file = prompts(pipeline, 8, "\"max_tokens\":1000");

        RunSummary capped = pipeline.run(file);

        // with five slots, at most two calls could be in flight at once under the cap: the third waited for them
        assertThat(api.chatCalls()).isEqualTo(3);
        assertThat(capped.cost().totalUsd()).isLessThanOrEqualTo(new java.math.BigDecimal("0.0015"));
        assertThat(capped.cost().budgetExceeded()).isEqualTo(5);
    }

    @Test
    void under_a_cap_a_model_without_a_price_is_not_called() throws Exception {
        api.answerChats(answerWithUsage());
        pipeline.with("llm.budget.max-cost-usd", "1").start();
        Path file = pipeline.write("unpriced.jsonl", List.of(
                PipelineFixture.line("a", "one", "\"model\":\"my-model\",\"max_tokens\":10"),
                PipelineFixture.line("b", "two", "\"max_tokens\":10")));

        RunSummary summary = pipeline.run(file);

        assertThat(api.chatCalls()).isOne();
        JsonNode refused = pipeline.results("unpriced").get(0);
        assertThat(refused.get("error").get("type").asText()).isEqualTo("budget_exceeded");
        assertThat(refused.get("error").get("message").asText()).startsWith("no price for model my-model: set "
                + "llm.prices");
        assertThat(summary.succeeded()).isOne();
    }

    @Test
    void a_run_whose_key_was_refused_is_answered_once_per_line_when_run_again_after_the_key_is_fixed()
            throws Exception {
        api.answerChats(invalidApiKey("sk-...old"));
        pipeline.start();
        Path file = prompts(pipeline, 6, null);

        RunSummary refused = pipeline.run(file);
        assertThat(refused.failed()).isEqualTo(6);
        assertThat(refused.nextStep()).contains("6 line(s) failed (most with authentication_error")
                .contains("run the same input again");

        pipeline.stop();
        api.reset();
        api.answerChats(answerWithUsage());
        pipeline.start();
        RunSummary fixed = pipeline.run(file);

        assertThat(api.chatCalls()).as("each line once").isEqualTo(6);
        assertThat(api.callsPerPrompt().values()).allMatch(n -> n == 1);
        assertThat(fixed.runId()).isEqualTo(refused.runId());
        assertThat(fixed.succeeded()).isEqualTo(6);
        assertThat(fixed.total()).isEqualTo(6);
        assertThat(pipeline.results("spend")).hasSize(6).allMatch(r -> r.get("status").asText().equals("ok"));
        assertThat(pipeline.outbox.resolve("spend.failed.jsonl")).doesNotExist();
        assertThat(pipeline.journalLines()).as("the journal keeps the history: 6 errors, then 6 answers")
                .isEqualTo(12);
    }

    @Test
    void a_failed_file_dropped_into_the_inbox_merges_its_answers_into_its_runs_outputs() throws Exception {
        api.answerChatsContaining("flaky", serverError(503, "busy"));
        api.answerChats(answerWithUsage());
        pipeline.with("llm.inbox.enabled", "true").with("llm.retry.max-attempts", "1")
                .with("llm.faults.on-fatal", "stop").start();
        Files.createDirectories(pipeline.inbox);
        Path staged = pipeline.write("orders.jsonl", List.of(
                PipelineFixture.line("a", "fine", null),
                PipelineFixture.line("b", "flaky one", null),
                "{\"prompt\":\"flaky two\"}",
                "not json"));
        Files.move(staged, pipeline.inbox.resolve("orders.jsonl"));
        await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(pipeline.inbox.resolve(".done/orders.jsonl")));
        JsonNode first = pipeline.summary("orders");
        assertThat(first.get("failed").asLong()).isEqualTo(2);
        Path failed = pipeline.outbox.resolve("orders.failed.jsonl");
        assertThat(Files.readAllLines(failed)).hasSize(2);

        api.reset();
        api.answerChats(answerWithUsage());
        Files.copy(failed, pipeline.root.resolve("orders.failed.jsonl"));
        Files.move(pipeline.root.resolve("orders.failed.jsonl"), pipeline.inbox.resolve("orders.failed.jsonl"));
        await().atMost(30, TimeUnit.SECONDS)
                .until(() -> Files.exists(pipeline.inbox.resolve(".done/orders.failed.jsonl")));

        JsonNode merged = pipeline.summary("orders");
        assertThat(merged.get("run_id").asText()).isEqualTo(first.get("run_id").asText());
        assertThat(merged.get("input").asText()).isEqualTo("orders.jsonl");
        assertThat(merged.get("succeeded").asLong()).isEqualTo(3);
        assertThat(merged.get("failed").asLong()).isZero();
        assertThat(merged.get("invalid").asLong()).isOne();
        assertThat(api.chatCalls()).as("only the two failed lines").isEqualTo(2);
        assertThat(pipeline.results("orders")).extracting(r -> r.get("custom_id").asText() + ":"
                + r.get("status").asText()).containsExactly("a:ok", "b:ok", "3:ok", "4:invalid");
        assertThat(pipeline.outbox.resolve("orders.failed.results.jsonl")).doesNotExist();
        assertThat(failed).as("nothing failed any more").doesNotExist();
    }
}
