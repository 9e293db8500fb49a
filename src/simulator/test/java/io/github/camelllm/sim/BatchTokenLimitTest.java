package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** The Batch API's enqueued-token limit: a batch that does not fit fails during validation. */
class BatchTokenLimitTest {

    /** Three lines charged 20 tokens each (max_tokens beats the few characters): 60 tokens. */
    static String sixtyTokens() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            sb.append("{\"custom_id\":\"r").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",")
                    .append("\"body\":{\"model\":\"gpt-test\",\"max_tokens\":20,\"messages\":[{\"role\":\"user\",")
                    .append("\"content\":\"hi ").append(i).append("\"}]}}\n");
        }
        return sb.toString();
    }

    @Test
    void batch_over_the_limit_fails_then_goes_through_once_earlier_ones_finish() throws Exception {
        try (OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withBatchStepMs(300)
                .withBatchMaxEnqueuedTokens(100))) {
            sim.start();
            SimHttp http = new SimHttp(sim.baseUrl());
            String fileId = http.uploadFile("in.jsonl", "batch", sixtyTokens()).path("id").asText();

            JsonNode first = BatchApiTest.createBatch(http, fileId, "null");
            JsonNode second = BatchApiTest.createBatch(http, fileId, "null");
            // accepted at creation, as at OpenAI: the verdict shows only when polling
            assertThat(second.path("status").asText()).isEqualTo("validating");

            JsonNode failed = BatchApiTest.awaitStatus(http, second.path("id").asText(), "failed");
            JsonNode error = failed.path("errors").path("data").get(0);
            assertThat(failed.path("errors").path("object").asText()).isEqualTo("list");
            assertThat(error.path("code").asText()).isEqualTo("token_limit_exceeded");
            assertThat(error.path("message").asText()).isEqualTo("Enqueued token limit reached for gpt-test in "
                    + "organization org-sim. Limit: 100 enqueued tokens. Please try again once some in_progress "
                    + "batches have been completed.");
            assertThat(error.path("param").isNull()).isTrue();
            assertThat(error.path("line").isNull()).isTrue();
            assertThat(failed.path("in_progress_at").isNull()).isTrue();

            BatchApiTest.awaitStatus(http, first.path("id").asText(), "completed");
            JsonNode third = BatchApiTest.createBatch(http, fileId, "null");
            JsonNode done = BatchApiTest.awaitStatus(http, third.path("id").asText(), "completed");
            assertThat(done.path("request_counts").path("completed").asInt()).isEqualTo(3);
        }
    }

    @Test
    void no_limit_by_default() throws Exception {
        try (OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withBatchStepMs(50))) {
            sim.start();
            SimHttp http = new SimHttp(sim.baseUrl());
            String fileId = http.uploadFile("in.jsonl", "batch", sixtyTokens()).path("id").asText();
            JsonNode a = BatchApiTest.createBatch(http, fileId, "null");
            JsonNode b = BatchApiTest.createBatch(http, fileId, "null");

            BatchApiTest.awaitStatus(http, a.path("id").asText(), "completed");
            BatchApiTest.awaitStatus(http, b.path("id").asText(), "completed");
        }
    }
}
