package io.github.camelllm.json;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.Answer;
import io.github.camelllm.model.PromptResult.ErrorInfo;
import io.github.camelllm.model.PromptResult.Usage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

    /** A result with every field set: its bookkeeping and an answer in each answer field. */
    static PromptResult everything() {
        Answer answer = new Answer("[{\"id\":\"call_1\"}]", "no", "{\"content\":[]}", "[{\"index\":0}]",
                "[{\"type\":\"message\"}]", VECTORS, "[{\"flagged\":false}]", "{\"object\":\"list\"}");
        return new PromptResult("run-1", "e1", 4, PromptResult.ERROR, "batch", "text", "stop",
                new Usage(8, 2, 10, new PromptResult.PromptTokensDetails(3)), 3, 12,
                new ErrorInfo("server_error", "it broke", 500), "batch_1", "gpt-4o-mini", answer);
    }

    static PromptResult bookkeepingOf(PromptResult r) {
        return new PromptResult(r.runId(), r.customId(), r.line(), r.status(), r.route(), null, null, r.usage(),
                r.attempts(), r.latencyMs(), r.error(), r.batchId(), r.model(), null);
    }

    static PromptResult bookkeeping(String line) throws Exception {
        byte[] bytes = ("garbage before" + line + "and after").getBytes(StandardCharsets.UTF_8);
        PromptResult fromBytes = ResultJson.readBookkeeping("run-1", bytes, 14, bytes.length - 23);
        assertThat(ResultJson.readBookkeeping("run-1", line)).isEqualTo(fromBytes);
        return fromBytes;
    }

    @Test
    void the_bookkeeping_of_a_line_is_the_result_without_its_answer() throws Exception {
        PromptResult r = everything();
        String line = ResultJson.write(r, true);
        assertThat(ResultJson.read("run-1", line)).isEqualTo(r);

        assertThat(bookkeeping(line)).isEqualTo(bookkeepingOf(r));
        assertThat(bookkeeping(ResultJson.write(PromptResult.invalid("run-1", null, 9, "bad_json", "no"))))
                .isEqualTo(PromptResult.invalid("run-1", null, 9, "bad_json", "no"));
    }

    @Test
    void the_bookkeeping_is_found_in_any_field_order_and_past_fields_this_version_does_not_know() throws Exception {
        String line = "{\"future\":{\"a\":[1,{\"b\":\"}\"}],\"c\":null},\"embeddings\":[[1.5,2]],"
                + "\"latency_ms\":12,\"model\":\"gpt-4o-mini\",\"content\":\"text\",\"usage\":{\"prompt_tokens\":8,"
                + "\"completion_tokens\":2,\"total_tokens\":10,\"prompt_tokens_details\":{\"cached_tokens\":3},"
                + "\"other\":[]},\"error\":{\"type\":\"server_error\",\"message\":\"it broke\",\"http_status\":500},"
                + "\"attempts\":3,\"batch_id\":\"batch_1\",\"status\":\"error\",\"route\":\"batch\",\"line\":4,"
                + "\"trailing\":\"[{\\\"\",\"custom_id\":\"e1\"}";

        assertThat(bookkeeping(line)).isEqualTo(bookkeepingOf(everything()));
    }

    @Test
    void a_line_the_whole_read_refuses_is_refused_by_the_bookkeeping_read_too() {
        String ok = ResultJson.write(everything());
        String[] refused = {
                ok.substring(0, ok.indexOf(VECTORS) + 10), // torn in the middle of the vectors
                ok.substring(0, ok.indexOf("\"text\"") + 3), // torn in the middle of a text
                ok.replace(VECTORS, "[[0.1,0.2,]]"), // not JSON inside the vectors
                ok.replace(VECTORS, "[[0.1,0.2]"), // a vector list not closed
                ok.replace("\"text\"", "{\"a\":1}"), // a text that is an object
                ok.replace("\"stop\"", "[\"stop\"]"), // a text that is a list
                "[" + ok + "]",
                "\"" + ok.replace("\"", "'") + "\"",
                ""};
        for (String line : refused) {
            byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> ResultJson.read("run-1", line)).as(line).isInstanceOf(Exception.class);
            assertThatThrownBy(() -> ResultJson.readBookkeeping("run-1", bytes, 0, bytes.length)).as(line)
                    .isInstanceOf(Exception.class);
        }
    }

    @Test
    void a_text_of_the_answer_may_be_a_number_as_the_whole_read_allows() throws Exception {
        String line = ResultJson.write(everything()).replace("\"text\"", "42");
        assertThat(ResultJson.read("run-1", line).content()).isEqualTo("42");

        assertThat(bookkeeping(line)).isEqualTo(bookkeepingOf(everything()));
    }
}
