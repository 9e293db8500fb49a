package io.github.camelllm.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.Answer;
import io.github.camelllm.model.PromptResult.ErrorInfo;
import io.github.camelllm.model.PromptResult.Usage;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The result line and the Batch API output line of a result. */
class ResultJsonTest {

    static final String VECTORS = "[[0.0023064255,-9.3e-05,1.0E-7]]";

    static PromptResult ok(Answer answer) {
        return new PromptResult("run-1", "e1", 4, PromptResult.OK, "realtime", null, null, new Usage(8, 0, 8), 1, 12,
                null, null, null, answer);
    }

    @Test
    void the_answer_fields_are_written_as_the_api_sent_them_and_read_back_the_same() throws Exception {
        Answer answer = new Answer("[{\"id\":\"call_1\"}]", "no", "{\"content\":[]}", null, null, VECTORS, null,
                "{\"object\":\"list\",\"data\":[{\"embedding\":[0.0023064255,-9.3e-05,1.0E-7]}]}");
        String line = ResultJson.write(ok(answer));

        assertThat(line).contains("\"embeddings\":" + VECTORS).contains("\"tool_calls\":[{\"id\":\"call_1\"}]")
                .contains("\"refusal\":\"no\"").doesNotContain("\"choices\"").doesNotContain("\"output\"")
                .contains("\"response\":{\"object\":\"list\"");
        PromptResult back = ResultJson.read("run-1", line);
        assertThat(back).isEqualTo(ok(answer));
        assertThat(ResultJson.write(back)).isEqualTo(line);
    }

    @Test
    void a_result_without_more_than_text_keeps_the_shape_it_always_had() throws Exception {
        PromptResult plain = new PromptResult("run-1", "a", 1, PromptResult.OK, "realtime", "hi", "stop",
                new Usage(1, 1, 2), 1, 5, null, null);
        assertThat(ResultJson.write(plain)).isEqualTo("{\"custom_id\":\"a\",\"line\":1,\"status\":\"ok\","
                + "\"route\":\"realtime\",\"content\":\"hi\",\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":1,"
                + "\"completion_tokens\":1,\"total_tokens\":2},\"attempts\":1,\"latency_ms\":5,\"error\":null}");
        assertThat(ResultJson.read("run-1", ResultJson.write(plain))).isEqualTo(plain);
    }

    @Test
    void as_a_batch_api_output_line_an_answer_is_its_body_with_status_200() throws Exception {
        String body = "{\"object\":\"list\",\"data\":[{\"index\":0,\"embedding\":[1.0E-7]}]}";
        JsonNode line = Jackson.MAPPER.readTree(ResultJson.writeOpenAiBatch(ok(new Answer(null, null, null, null,
                null, "[[1.0E-7]]", null, body))));

        assertThat(line.path("id").asText()).isEqualTo("batch_req_run-1_4");
        assertThat(line.path("custom_id").asText()).isEqualTo("e1");
        assertThat(line.at("/response/status_code").asInt()).isEqualTo(200);
        assertThat(line.at("/response").has("request_id")).isTrue();
        assertThat(ResultJson.writeOpenAiBatch(ok(new Answer(null, null, null, null, null, null, null, body))))
                .contains("\"body\":" + body);
        assertThat(line.path("error").isNull()).isTrue();
    }

    @Test
    void as_a_batch_api_output_line_a_refused_request_is_its_status_and_error_body_and_the_rest_is_an_error()
            throws Exception {
        PromptResult refused = new PromptResult("run-1", "c", 2, PromptResult.ERROR, "realtime", null, null, null, 1,
                3, new ErrorInfo("invalid_request_error", "bad model", 400), null);
        JsonNode line = Jackson.MAPPER.readTree(ResultJson.writeOpenAiBatch(refused));
        assertThat(line.at("/response/status_code").asInt()).isEqualTo(400);
        assertThat(line.at("/response/body/error/message").asText()).isEqualTo("bad model");
        assertThat(line.path("error").isNull()).isTrue();

        PromptResult invalid = PromptResult.invalid("run-1", "d", 3, "unknown_field", "unknown field \"x\"");
        JsonNode bad = Jackson.MAPPER.readTree(ResultJson.writeOpenAiBatch(invalid));
        assertThat(bad.path("custom_id").asText()).isEqualTo("d");
        assertThat(bad.path("response").isNull()).isTrue();
        assertThat(bad.at("/error/code").asText()).isEqualTo("unknown_field");
        assertThat(bad.at("/error/message").asText()).isEqualTo("unknown field \"x\"");
    }
}
