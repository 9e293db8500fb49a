package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/** The endpoints besides chat text: embeddings, responses, tool calls and n choices, in their documented shapes. */
class SimEndpointsTest {

    @RegisterExtension
    static final OpenAiSimulatorExtension api = OpenAiSimulatorExtension.with(c -> c.withLatencyMs(1));
    private static SimHttp http;

    @BeforeAll
    static void start() {
        http = new SimHttp(api.baseUrl());
    }

    @Test
    void embeddings_answer_one_unit_vector_per_input_of_the_requested_dimensions_the_same_for_the_same_text()
            throws Exception {
        JsonNode body = SimHttp.json(http.postJson("/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":[\"alpha\",\"beta\",\"alpha\"],\"dimensions\":8}"));

        assertThat(body.path("object").asText()).isEqualTo("list");
        assertThat(body.path("model").asText()).isEqualTo("text-embedding-3-small");
        JsonNode data = body.path("data");
        assertThat(data).hasSize(3);
        double norm = 0;
        for (int i = 0; i < 3; i++) {
            assertThat(data.get(i).path("object").asText()).isEqualTo("embedding");
            assertThat(data.get(i).path("index").asInt()).isEqualTo(i);
            assertThat(data.get(i).path("embedding")).hasSize(8);
        }
        for (JsonNode v : data.get(0).path("embedding")) {
            norm += v.asDouble() * v.asDouble();
        }
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(data.get(2).path("embedding")).isEqualTo(data.get(0).path("embedding"));
        assertThat(data.get(1).path("embedding")).isNotEqualTo(data.get(0).path("embedding"));
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(body.path("usage")
                .path("total_tokens").asInt()).isPositive();
        assertThat(body.path("usage").has("completion_tokens")).isFalse();

        JsonNode single = SimHttp.json(http.postJson("/embeddings",
                "{\"model\":\"text-embedding-3-small\",\"input\":\"alpha\"}"));
        assertThat(single.path("data").get(0).path("embedding")).hasSize(Embeddings.DEFAULT_DIMENSIONS);
    }

    @Test
    void base64_embeddings_are_the_little_endian_floats_of_the_same_vector() throws Exception {
        JsonNode floats = SimHttp.json(http.postJson("/embeddings",
                "{\"model\":\"e\",\"input\":\"gamma\",\"dimensions\":4}"));
        JsonNode base64 = SimHttp.json(http.postJson("/embeddings",
                "{\"model\":\"e\",\"input\":\"gamma\",\"dimensions\":4,\"encoding_format\":\"base64\"}"));

        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (JsonNode v : floats.at("/data/0/embedding")) {
            assertThat(bytes.getFloat()).isEqualTo((float) v.asDouble());
        }
    }

    @Test
    void an_embeddings_request_without_input_or_with_chat_messages_is_a_400() throws Exception {
        HttpResponse<String> response = http.postJson("/embeddings",
                "{\"model\":\"e\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(SimHttp.json(response).at("/error/param").asText()).isEqualTo("input");
    }

    @Test
    void a_response_has_a_message_output_item_with_output_text_and_usage_in_input_and_output_tokens()
            throws Exception {
        JsonNode body = SimHttp.json(http.postJson("/responses",
                "{\"model\":\"gpt-test\",\"instructions\":\"be brief\",\"input\":\"What is 2+2?\"}"));

        assertThat(body.path("object").asText()).isEqualTo("response");
        assertThat(body.path("id").asText()).startsWith("resp_");
        assertThat(body.path("status").asText()).isEqualTo("completed");
        JsonNode message = body.path("output").get(0);
        assertThat(message.path("type").asText()).isEqualTo("message");
        assertThat(message.path("role").asText()).isEqualTo("assistant");
        assertThat(message.at("/content/0/type").asText()).isEqualTo("output_text");
        assertThat(message.at("/content/0/text").asText()).isEqualTo("echo: What is 2+2?");
        assertThat(body.at("/usage/input_tokens").asInt()).isEqualTo(5);
        assertThat(body.at("/usage/output_tokens").asInt()).isEqualTo(5);
        assertThat(body.at("/usage/total_tokens").asInt()).isEqualTo(10);

        JsonNode cut = SimHttp.json(http.postJson("/responses",
                "{\"model\":\"gpt-test\",\"input\":\"" + "x".repeat(100) + "\",\"max_output_tokens\":2}"));
        assertThat(cut.path("status").asText()).isEqualTo("incomplete");
        assertThat(cut.at("/incomplete_details/reason").asText()).isEqualTo("max_output_tokens");
    }

    @Test
    void a_forced_tool_choice_answers_with_a_function_call_in_chat_and_in_responses() throws Exception {
        JsonNode chat = SimHttp.json(http.postJson("/chat/completions", "{\"model\":\"gpt-test\",\"messages\":[{"
                + "\"role\":\"user\",\"content\":\"weather in Oslo\"}],\"tools\":[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}],\"tool_choice\":\"required\"}"));
        JsonNode choice = chat.path("choices").get(0);
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(choice.at("/message/content").isNull()).isTrue();
        assertThat(choice.at("/message/tool_calls/0/type").asText()).isEqualTo("function");
        assertThat(choice.at("/message/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(choice.at("/message/tool_calls/0/function/arguments").asText())
                .isEqualTo("{\"text\":\"weather in Oslo\"}");

        JsonNode response = SimHttp.json(http.postJson("/responses", "{\"model\":\"gpt-test\",\"input\":\"weather\","
                + "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{}}],"
                + "\"tool_choice\":{\"type\":\"function\",\"name\":\"get_weather\"}}"));
        assertThat(response.at("/output/0/type").asText()).isEqualTo("function_call");
        assertThat(response.at("/output/0/name").asText()).isEqualTo("get_weather");
        assertThat(response.at("/output/0/call_id").asText()).startsWith("call_");

        JsonNode auto = SimHttp.json(http.postJson("/chat/completions", "{\"model\":\"gpt-test\",\"messages\":[{"
                + "\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":"
                + "{\"name\":\"f\"}}],\"tool_choice\":\"auto\"}"));
        assertThat(auto.at("/choices/0/message/content").asText()).isEqualTo("echo: hi");
    }

    @Test
    void n_asks_for_that_many_choices() throws Exception {
        JsonNode chat = SimHttp.json(http.postJson("/chat/completions",
                "{\"model\":\"gpt-test\",\"n\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        assertThat(chat.path("choices")).hasSize(3);
        assertThat(chat.at("/choices/2/index").asInt()).isEqualTo(2);
        assertThat(chat.at("/choices/1/message/content").asText()).isEqualTo("echo: hi (2)");
    }
}
