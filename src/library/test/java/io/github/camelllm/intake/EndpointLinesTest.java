package io.github.camelllm.intake;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.PromptRequest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Lines for every endpoint: a Batch API line's url, llm.endpoint for simple lines, the body merged in. */
class EndpointLinesTest {

    static PromptParser parser(Endpoint endpoint) {
        return new PromptParser(new ObjectMapper(), "default-model", endpoint);
    }

    static PromptRequest parse(Endpoint endpoint, String line) throws InvalidLineException {
        return parser(endpoint).parseJson("run", 3, line);
    }

    static InvalidLineException invalid(Endpoint endpoint, String line) {
        try {
            PromptRequest unexpected = parse(endpoint, line);
            throw new AssertionError("expected an invalid line, got " + unexpected.body());
        } catch (InvalidLineException e) {
            return e;
        }
    }

    @Test
    void a_batch_api_line_goes_to_the_endpoint_its_url_names_with_its_body_as_is() throws Exception {
        PromptRequest embeddings = parse(Endpoint.CHAT_COMPLETIONS, "{\"custom_id\":\"e\",\"method\":\"POST\","
                + "\"url\":\"/v1/embeddings\",\"body\":{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"bb\"],"
                + "\"dimensions\":256}}");
        assertThat(embeddings.endpoint()).isEqualTo(Endpoint.EMBEDDINGS);
        assertThat(embeddings.model()).isEqualTo("text-embedding-3-small");
        assertThat(embeddings.body()).isEqualTo("{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"bb\"],"
                + "\"dimensions\":256}");
        assertThat(embeddings.estimatedTokens()).isEqualTo(1);

        PromptRequest responses = parse(Endpoint.CHAT_COMPLETIONS, "{\"custom_id\":\"r\",\"url\":\"/v1/responses\","
                + "\"body\":{\"model\":\"gpt-4.1\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"}]}}");
        assertThat(responses.endpoint()).isEqualTo(Endpoint.RESPONSES);
        assertThat(responses.customId()).isEqualTo("r");

        PromptRequest completions = parse(Endpoint.CHAT_COMPLETIONS, "{\"url\":\"/v1/completions\","
                + "\"body\":{\"prompt\":\"once upon\"}}");
        assertThat(completions.endpoint()).isEqualTo(Endpoint.COMPLETIONS);
        assertThat(completions.body()).as("the default model filled in")
                .isEqualTo("{\"prompt\":\"once upon\",\"model\":\"default-model\"}");

        PromptRequest moderations = parse(Endpoint.CHAT_COMPLETIONS, "{\"url\":\"/v1/moderations\","
                + "\"body\":{\"input\":\"is this ok\"}}");
        assertThat(moderations.endpoint()).isEqualTo(Endpoint.MODERATIONS);
        assertThat(moderations.body()).as("moderations name no model unless asked")
                .isEqualTo("{\"input\":\"is this ok\"}");
        assertThat(moderations.model()).isEqualTo(PromptParser.DEFAULT_MODERATION_MODEL);
    }

    @Test
    void simple_lines_take_the_shape_of_llm_endpoint() throws Exception {
        PromptRequest chat = parse(Endpoint.CHAT_COMPLETIONS, "{\"prompt\":\"hi\",\"max_tokens\":5}");
        assertThat(chat.endpoint()).isEqualTo(Endpoint.CHAT_COMPLETIONS);

        PromptRequest responses = parse(Endpoint.RESPONSES, "{\"custom_id\":\"r\",\"prompt\":\"hi\","
                + "\"system\":\"be brief\",\"max_tokens\":50,\"temperature\":0.2}");
        assertThat(responses.endpoint()).isEqualTo(Endpoint.RESPONSES);
        assertThat(responses.body()).isEqualTo("{\"model\":\"default-model\",\"instructions\":\"be brief\","
                + "\"input\":\"hi\",\"max_output_tokens\":50,\"temperature\":0.2}");

        PromptRequest embeddings = parse(Endpoint.EMBEDDINGS, "{\"custom_id\":\"e\",\"input\":[\"one\",\"two\"],"
                + "\"model\":\"text-embedding-3-large\"}");
        assertThat(embeddings.body()).isEqualTo("{\"model\":\"text-embedding-3-large\",\"input\":[\"one\",\"two\"]}");

        PromptRequest completions = parse(Endpoint.COMPLETIONS, "{\"prompt\":\"once\",\"max_tokens\":9}");
        assertThat(completions.body()).isEqualTo("{\"model\":\"default-model\",\"prompt\":\"once\",\"max_tokens\":9}");

        PromptRequest moderations = parse(Endpoint.MODERATIONS, "{\"input\":\"text\"}");
        assertThat(moderations.body()).isEqualTo("{\"input\":\"text\"}");
    }

    @Test
    void a_text_line_is_the_input_of_llm_endpoint() {
        assertThat(parser(Endpoint.EMBEDDINGS).parseText("run", 1, "1", "a sentence").body())
                .isEqualTo("{\"model\":\"default-model\",\"input\":\"a sentence\"}");
        assertThat(parser(Endpoint.RESPONSES).parseText("run", 1, "1", "a question").endpoint())
                .isEqualTo(Endpoint.RESPONSES);
    }

    @Test
    void the_body_of_a_simple_line_rides_into_the_request_structured_outputs_and_tools_included() throws Exception {
        PromptRequest r = parse(Endpoint.CHAT_COMPLETIONS, "{\"custom_id\":\"t\",\"prompt\":\"weather?\",\"body\":{"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}],"
                + "\"tool_choice\":\"required\",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{"
                + "\"name\":\"w\",\"schema\":{\"type\":\"object\"}}},\"reasoning_effort\":\"low\","
                + "\"max_completion_tokens\":300,\"service_tier\":\"flex\",\"n\":2,\"model\":\"o4-mini\"}}");
        assertThat(r.model()).isEqualTo("o4-mini");
        assertThat(r.body()).isEqualTo("{\"model\":\"o4-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}],"
                + "\"tool_choice\":\"required\",\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{"
                + "\"name\":\"w\",\"schema\":{\"type\":\"object\"}}},\"reasoning_effort\":\"low\","
                + "\"max_completion_tokens\":300,\"service_tier\":\"flex\",\"n\":2}");
    }

    @Test
    void an_unknown_top_level_field_is_invalid_naming_it_and_the_line_keeps_its_custom_id() {
        InvalidLineException e = invalid(Endpoint.CHAT_COMPLETIONS,
                "{\"custom_id\":\"keep-me\",\"prompt\":\"hi\",\"tools\":[]}");
        assertThat(e.type()).isEqualTo("unknown_field");
        assertThat(e.getMessage()).contains("unknown field \"tools\"").contains("\"body\"");
        assertThat(e.customId()).isEqualTo("keep-me");

        InvalidLineException batch = invalid(Endpoint.CHAT_COMPLETIONS, "{\"custom_id\":\"b\",\"url\":"
                + "\"/v1/embeddings\",\"body\":{\"input\":\"x\"},\"metadata\":{}}");
        assertThat(batch.getMessage()).contains("unknown field \"metadata\"");
        assertThat(batch.customId()).isEqualTo("b");
    }

    @Test
    void every_other_verdict_on_a_line_with_a_custom_id_keeps_it_too() {
        assertThat(invalid(Endpoint.CHAT_COMPLETIONS, "{\"custom_id\":\"u\",\"url\":\"/v1/images\",\"body\":{}}")
                .customId()).isEqualTo("u");
        assertThat(invalid(Endpoint.EMBEDDINGS, "{\"custom_id\":\"x\",\"input\":\"\"}").customId()).isEqualTo("x");
        assertThat(invalid(Endpoint.CHAT_COMPLETIONS, "{\"custom_id\":7,\"prompt\":\"\"}").customId()).isEqualTo("7");
        assertThat(invalid(Endpoint.CHAT_COMPLETIONS, "{\"prompt\":\"\"}").customId()).as("none named").isNull();
    }

    @Test
    void fields_that_mean_nothing_for_the_endpoint_or_repeat_the_body_are_named() {
        assertThat(invalid(Endpoint.EMBEDDINGS, "{\"prompt\":\"x\"}").getMessage())
                .contains("\"prompt\" has no meaning for /v1/embeddings (llm.endpoint=embeddings)")
                .contains("takes \"input\"");
        assertThat(invalid(Endpoint.CHAT_COMPLETIONS, "{\"input\":\"x\"}").getMessage())
                .contains("\"input\" has no meaning for /v1/chat/completions");
        assertThat(invalid(Endpoint.EMBEDDINGS, "{\"custom_id\":\"m\"}").type()).isEqualTo("missing_input");
        assertThat(invalid(Endpoint.EMBEDDINGS, "{\"input\":[\"a\",3.5]}").getMessage())
                .contains("\"input\" must be a non-empty text or a list of non-empty texts");
        assertThat(invalid(Endpoint.CHAT_COMPLETIONS, "{\"prompt\":\"x\",\"body\":{\"messages\":[]}}").getMessage())
                .contains("\"body.messages\" repeats what the line's own fields set");
        assertThat(invalid(Endpoint.CHAT_COMPLETIONS, "{\"prompt\":\"x\",\"body\":[1]}").getMessage())
                .isEqualTo("\"body\" must be a JSON object");
        assertThat(invalid(Endpoint.RESPONSES, "{\"url\":\"/v1/responses\",\"body\":{\"input\":[]}}").type())
                .isEqualTo("missing_prompt");
    }
}
