package io.github.camelllm.openai;

import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.PromptRequest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What each endpoint's request costs in the limiter's token bucket. */
class TokenEstimatorTest {

    static double cost(Endpoint endpoint, String body) {
        return TokenEstimator.rateLimitCost(new PromptRequest("r", 1, "c", "m", body, null, 0, null, endpoint));
    }

    @Test
    void the_output_budget_counts_under_each_endpoints_own_name() {
        assertThat(cost(Endpoint.CHAT_COMPLETIONS, "{\"messages\":[],\"max_tokens\":500}")).isEqualTo(500);
        assertThat(cost(Endpoint.CHAT_COMPLETIONS, "{\"messages\":[],\"max_completion_tokens\":700}")).isEqualTo(700);
        assertThat(cost(Endpoint.RESPONSES, "{\"input\":\"x\",\"max_output_tokens\":900}")).isEqualTo(900);
    }

    @Test
    void embeddings_count_their_input_only() {
        String body = "{\"model\":\"e\",\"input\":\"" + "word ".repeat(200) + "\"}";
        assertThat(cost(Endpoint.EMBEDDINGS, body)).isEqualTo((body.length() + 3) / 4);
    }
}
