package io.github.camelllm.cost;

import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.PromptTokensDetails;
import io.github.camelllm.model.PromptResult.Usage;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The price table, token counts and what a run's answers cost. */
class PricesTest {

    @Test
    void the_defaults_price_openais_current_models_and_a_dated_name_has_its_base_names_price() {
        Prices prices = Prices.defaults();
        for (String model : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano", "o1",
                "o3", "o3-mini", "o4-mini", "gpt-5", "gpt-5-mini", "gpt-5-nano", "text-embedding-3-small",
                "text-embedding-3-large"}) {
            assertThat(prices.find(model)).as(model).isNotNull();
        }
        ModelPrice mini = prices.find("gpt-4o-mini-2024-07-18");
        assertThat(mini.model()).isEqualTo("gpt-4o-mini");
        assertThat(mini.describe()).isEqualTo("0.15/0.6/0.075");
        assertThat(prices.find("gpt-4o-mini-search-preview")).as("another model, not a snapshot").isNull();
        assertThat(prices.find("my-model")).as("unknown, never free").isNull();
    }

    @Test
    void llm_prices_changes_a_model_or_adds_one_and_says_what_is_wrong_with_a_bad_entry() {
        Prices prices = Prices.parse("gpt-4o-mini=0.20/0.80, my-model=1/2/0.5");

        assertThat(prices.find("gpt-4o-mini").describe()).isEqualTo("0.2/0.8");
        assertThat(prices.find("gpt-4o-mini").maxOutputTokens()).as("its known limit is kept").isEqualTo(16_384);
        assertThat(prices.find("my-model-2025-01-01").describe()).isEqualTo("1/2/0.5");
        assertThat(prices.find("gpt-4o").describe()).as("the others stay").isEqualTo("2.5/10/1.25");

        assertThatThrownBy(() -> Prices.parse("gpt-4o=cheap")).hasMessageContaining("'gpt-4o=cheap' is not "
                + "MODEL=INPUT/OUTPUT[/CACHED]");
        assertThatThrownBy(() -> Prices.parse("gpt-4o=1/x")).hasMessageContaining("'x' is not a price");
        assertThatThrownBy(() -> Prices.parse("=1/2")).hasMessageContaining("no MODEL=");
    }

    @Test
    void cached_input_is_billed_at_its_own_price_and_the_batch_api_at_half() {
        ModelPrice mini = Prices.defaults().find("gpt-4o-mini");
        // 800 input at 0.15, 200 cached at 0.075, 500 output at 0.60, per 1M
        assertThat(mini.cost(1000, 200, 500, false)).isEqualByComparingTo("0.000435");
        assertThat(mini.cost(1000, 200, 500, true)).isEqualByComparingTo("0.0002175");
        ModelPrice turbo = Prices.defaults().find("gpt-4-turbo");
        assertThat(turbo.cost(1000, 1000, 0, false)).as("no cached price: cached tokens cost as input")
                .isEqualByComparingTo("0.01");
    }

    @Test
    void tokens_are_counted_with_the_models_encoding_or_characters_per_4_and_it_says_which() {
        assertThat(Tokenizer.encodingOf("gpt-4o-mini")).isEqualTo("o200k_base");
        assertThat(Tokenizer.encodingOf("o3-mini")).isEqualTo("o200k_base");
        assertThat(Tokenizer.encodingOf("gpt-5-nano-2025-08-07")).isEqualTo("o200k_base");
        assertThat(Tokenizer.encodingOf("gpt-4-turbo")).isEqualTo("cl100k_base");
        assertThat(Tokenizer.encodingOf("llama3")).isEqualTo("characters/4");
        assertThat(Tokenizer.of("gpt-4o").count("hello world")).isEqualTo(2);
        assertThat(Tokenizer.of("llama3").count("hello world")).isEqualTo(3);

        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}],"
                + "\"max_tokens\":50}";
        RequestTokens tokens = RequestTokens.of("gpt-4o-mini", body, Prices.defaults().find("gpt-4o-mini"));
        assertThat(tokens.inputTokens()).as("3 per message, 1 for the role, 2 of content, 3 priming the answer")
                .isEqualTo(9);
        assertThat(tokens.maxOutputTokens()).isEqualTo(50);
        RequestTokens unbounded = RequestTokens.of("gpt-4o-mini", body.replace(",\"max_tokens\":50", ""),
                Prices.defaults().find("gpt-4o-mini"));
        assertThat(unbounded.maxOutputTokens()).as("the model's own limit").isEqualTo(16_384);
        assertThat(RequestTokens.of("my-model", body.replace(",\"max_tokens\":50", ""), null).bounded()).isFalse();
    }

    @Test
    void a_runs_cost_per_route_with_the_batch_apis_saving_and_the_models_without_a_price() {
        RunSpend spend = SpendRules.none().newRun();
        Usage usage = new Usage(1000, 500, 1500, new PromptTokensDetails(200));
        spend.record(result(1, "realtime", "gpt-4o-mini-2024-07-18", usage));
        spend.record(result(2, "batch", "gpt-4o-mini", usage));
        spend.record(result(3, "realtime", "my-model", usage));

        RunCost cost = spend.snapshot();
        assertThat(cost.realtime().costUsd()).isEqualByComparingTo("0.000435");
        assertThat(cost.batch().costUsd()).isEqualByComparingTo("0.0002175");
        assertThat(cost.batchSavedUsd()).isEqualByComparingTo("0.0002175");
        assertThat(cost.totalUsd()).isEqualByComparingTo("0.0006525");
        assertThat(cost.realtime().lines()).isEqualTo(2);
        assertThat(cost.realtime().unpricedLines()).isOne();
        assertThat(cost.realtime().cachedTokens()).isEqualTo(400);
        assertThat(cost.unpricedModels()).containsExactly("my-model");
        assertThat(cost.complete()).isFalse();
        assertThat(cost.describe()).contains("cost $0.000653 + unknown (no price for my-model)");
    }

    @Test
    void under_a_cap_calls_in_flight_hold_their_worst_case_and_the_run_stops_where_the_next_would_pass_it() {
        // each call: 9 input tokens + at most 1000 output tokens of gpt-4o-mini = $0.00060135 at worst
        RunSpend spend = new SpendRules(Prices.defaults(), new BigDecimal("0.0015"), "llm.budget.max-cost-usd",
                "llm.prices").newRun();
        PromptRequest call = request("gpt-4o-mini", 1000);

        RunSpend.Outcome first = spend.reserve(call, false);
        RunSpend.Outcome second = spend.reserve(call, false);
        assertThat(first.go()).isTrue();
        assertThat(second.go()).isTrue();
        assertThat(spend.reserve(call, false).verdict()).as("two in flight: the third waits for their answers")
                .isEqualTo(RunSpend.Verdict.WAIT);
        assertThat(spend.snapshot().reservedUsd()).isEqualByComparingTo("0.0012027");

        spend.record(result(1, "realtime", "gpt-4o-mini", new Usage(9, 100, 109)));
        spend.release(first.reservation());
        RunSpend.Outcome third = spend.reserve(call, false);
        assertThat(third.go()).as("the first answer cost far less than its worst case").isTrue();

        spend.record(result(2, "realtime", "gpt-4o-mini", new Usage(9, 1000, 1009)));
        spend.release(second.reservation());
        spend.record(result(3, "realtime", "gpt-4o-mini", new Usage(9, 1000, 1009)));
        spend.release(third.reservation());
        RunSpend.Outcome fourth = spend.reserve(call, false);
        assertThat(fourth.verdict()).as("$0.00126 answered + $0.0006 > $0.0015").isEqualTo(RunSpend.Verdict.REFUSE);
        assertThat(fourth.reason()).contains("spend cap reached: llm.budget.max-cost-usd=0.0015");
        assertThat(spend.reserve(request("gpt-4o-mini", 1), false).verdict()).as("the run stopped at its cap")
                .isEqualTo(RunSpend.Verdict.REFUSE);
    }

    @Test
    void under_a_cap_a_model_without_a_price_or_an_unbounded_answer_is_not_called() {
        RunSpend spend = new SpendRules(Prices.defaults(), BigDecimal.TEN, "llm.budget.max-cost-usd", "llm.prices")
                .newRun();
        RunSpend.Outcome unpriced = spend.reserve(request("my-model", 10), false);
        assertThat(unpriced.verdict()).isEqualTo(RunSpend.Verdict.REFUSE);
        assertThat(unpriced.reason()).startsWith("no price for model my-model: set llm.prices");

        RunSpend priced = new SpendRules(Prices.parse("my-model=1/2"), BigDecimal.TEN, "llm.budget.max-cost-usd",
                "llm.prices").newRun();
        assertThat(priced.reserve(request("my-model", 10), false).go()).isTrue();
        assertThat(priced.reserve(request("my-model", -1), false).reason()).contains("set max_tokens on the line");
        assertThat(SpendRules.none().newRun().reserve(request("my-model", -1), false).go()).as("no cap").isTrue();
    }

    static PromptRequest request(String model, int maxTokens) {
        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]"
                + (maxTokens < 0 ? "" : ",\"max_tokens\":" + maxTokens) + "}";
        return new PromptRequest("run", 1, "1", model, body, null, 3, null);
    }

    static PromptResult result(long line, String route, String model, Usage usage) {
        return new PromptResult("run", Long.toString(line), line, PromptResult.OK, route, "answer", "stop", usage, 1,
                10, null, null, model);
    }
}
