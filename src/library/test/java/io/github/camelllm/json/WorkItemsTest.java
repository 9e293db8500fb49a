package io.github.camelllm.json;

import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.Answer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Prompts and results across a broker keep their endpoint and their whole answer. */
class WorkItemsTest {

    @Test
    void a_prompt_crosses_with_its_endpoint() {
        PromptRequest embeddings = new PromptRequest("run", 2, "e", "text-embedding-3-small",
                "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}", "realtime", 1, "{}", Endpoint.EMBEDDINGS);
        assertThat(WorkItems.requestFromJson(WorkItems.requestToJson(embeddings))).isEqualTo(embeddings);
        assertThat(WorkItems.requestFromJson("{\"run_id\":\"r\",\"line\":1,\"body\":\"{}\"}").endpoint())
                .as("a work item of an earlier version").isEqualTo(Endpoint.CHAT_COMPLETIONS);
    }

    @Test
    void a_result_crosses_with_its_answer_as_the_api_wrote_it() {
        PromptResult result = new PromptResult("run", "e", 2, PromptResult.OK, "realtime", null, null, null, 1, 3,
                null, null, null, new Answer(null, null, null, null, null, "[[1.0E-7,-9.3e-05]]", null, null));
        assertThat(WorkItems.resultFromJson(WorkItems.resultToJson(result))).isEqualTo(result);
    }
}
