package io.github.camelllm.estimate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.run.UnreadableInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** estimate FILE: lines, input tokens, routes, invalid lines and the cost range, without calling anything. */
class EstimateTest {

    @TempDir
    Path dir;

    /** Prompts of more than 20 estimated tokens (characters / 4) go to the Batch API. */
    final PipelineConfig config = PipelineConfig.of(Map.of("llm.route.long-prompt-tokens", "20"));

    /** 60 words: 299 characters (75 estimated tokens, so batch), 60 tokens in o200k_base. */
    static final String LONG = String.join(" ", java.util.Collections.nCopies(60, "word"));

    @Test
    void a_mixed_jsonl_file_is_counted_routed_and_priced_line_by_line() throws Exception {
        Path file = dir.resolve("mixed.jsonl");
        Files.writeString(file, """
                {"custom_id":"short","prompt":"hello world","max_tokens":50}
                {"custom_id":"long","prompt":"%s"}
                {"custom_id":"broken"}

                {"custom_id":"mine","prompt":"hello world","model":"my-model","max_tokens":5}
                """.formatted(LONG));

        EstimateReport report = Estimate.of(file, config);

        assertThat(report.lines()).isEqualTo(4);
        assertThat(report.prompts()).isEqualTo(3);
        assertThat(report.invalid()).isOne();
        assertThat(report.invalidLines()).singleElement().satisfies(l -> {
            assertThat(l.line()).isEqualTo(3);
            assertThat(l.type()).isEqualTo("missing_prompt");
        });
        assertThat(report.routes().get("realtime").prompts()).isEqualTo(2);
        assertThat(report.routes().get("batch").prompts()).isOne();
        // 9 (hello world, o200k_base) + 67 (60 words + 7) + 10 (my-model: characters / 4)
        assertThat(report.inputTokens()).isEqualTo(86);
        assertThat(report.routes().get("batch").maxOutputTokens()).as("gpt-4o-mini's own limit").isEqualTo(16_384);
        // realtime: 9 in, 50 out at 0.15/0.60; batch: 67 in, 16,384 out at half price; my-model has no price
        assertThat(report.routes().get("realtime").cost().min()).isEqualByComparingTo("0.00000135");
        assertThat(report.routes().get("realtime").cost().max()).isEqualByComparingTo("0.00003135");
        assertThat(report.routes().get("batch").cost().min()).isEqualByComparingTo("0.000005025");
        assertThat(report.routes().get("batch").cost().max()).isEqualByComparingTo("0.004920225");
        assertThat(report.cost().min()).isEqualByComparingTo("0.000006375");
        assertThat(report.cost().max()).isEqualByComparingTo("0.004951575");
        assertThat(report.unpricedModels()).containsExactly("my-model");

        JsonNode json = new ObjectMapper().readTree(report.toJson());
        assertThat(json.get("lines").asLong()).isEqualTo(4);
        assertThat(json.get("input_tokens").asLong()).isEqualTo(86);
        assertThat(json.get("estimated_cost_usd").get("min").decimalValue()).isEqualByComparingTo("0.000006375");
        assertThat(json.get("estimated_cost_usd").get("max").decimalValue()).isEqualByComparingTo("0.004951575");
        assertThat(json.get("routes").get("batch").get("prompts").asLong()).isOne();
        assertThat(json.get("invalid_lines").get(0).get("message").asText()).contains("needs a \"prompt\"");
        assertThat(json.get("unpriced_models").get(0).asText()).isEqualTo("my-model");
        assertThat(json.get("models").get(0).get("encoding").asText()).isEqualTo("o200k_base");

        String text = report.toText();
        assertThat(text).contains("lines            4 (3 prompts, 1 invalid)")
                .contains("routes           realtime 2, batch 1")
                .contains("input tokens     86 (o200k_base for gpt-4o-mini, characters/4 (encoding unknown) for "
                        + "my-model)")
                .contains("cost (USD)       $0.000006 to $0.004952")
                .contains("without 1 prompt(s) of models that have no price")
                .contains("NO PRICE: its cost is unknown (set llm.prices=my-model=INPUT/OUTPUT")
                .contains("line 3 (custom_id 3): missing_prompt");
    }

    @Test
    void a_text_file_has_one_prompt_per_line_and_an_unbounded_output_has_no_maximum() throws Exception {
        Path file = dir.resolve("mixed.txt");
        Files.writeString(file, "hello world\n" + LONG + "\n");
        PipelineConfig unknownModel = PipelineConfig.of(Map.of("llm.route.long-prompt-tokens", "20",
                "llm.model", "my-model", "llm.prices", "my-model=1/2"));

        EstimateReport report = Estimate.of(file, unknownModel);

        assertThat(report.format()).isEqualTo("text");
        assertThat(report.prompts()).isEqualTo(2);
        assertThat(report.routes().get("batch").prompts()).isOne();
        assertThat(report.cost().max()).as("no max_tokens and no known output limit").isNull();
        assertThat(report.routes().get("realtime").unboundedLines()).isOne();
        assertThat(new ObjectMapper().readTree(report.toJson()).get("estimated_cost_usd").get("max").isNull())
                .isTrue();
        assertThat(report.toText()).contains("no bound (some lines have no max_tokens");
    }

    @Test
    void a_file_that_cannot_be_run_says_why() throws Exception {
        Path empty = Files.createFile(dir.resolve("empty.jsonl"));
        assertThatThrownBy(() -> Estimate.of(empty, config)).isInstanceOf(UnreadableInputException.class)
                .hasMessageContaining("is empty");
    }
}
