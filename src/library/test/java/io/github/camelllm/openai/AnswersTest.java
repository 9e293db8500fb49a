package io.github.camelllm.openai;

import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.PromptResult.Usage;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What a result keeps of each endpoint's answer, read from the API's documented response shapes. */
class AnswersTest {

    final Answers answers = new Answers(false);

    static byte[] bytes(String json) {
        return json.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void a_tool_call_answer_keeps_the_calls_exactly_and_the_finish_reason() throws Exception {
        String body = """
                {"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o","choices":[{"index":0,
                  "message":{"role":"assistant","content":null,"refusal":null,"tool_calls":[{"id":"call_1",
                  "type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Oslo\\"}"}}]},
                  "logprobs":null,"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":20,"completion_tokens":7,"total_tokens":27}}""";
        Answers.Read read = answers.read(Endpoint.CHAT_COMPLETIONS, bytes(body));

        assertThat(read.content()).isNull();
        assertThat(read.finishReason()).isEqualTo("tool_calls");
        assertThat(read.usage()).isEqualTo(new Usage(20, 7, 27));
        assertThat(read.answer().toolCalls()).isEqualTo("[{\"id\":\"call_1\",\"type\":\"function\",\"function\":"
                + "{\"name\":\"get_weather\",\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]");
        assertThat(read.answer().choices()).as("one choice: the fields say it all").isNull();
        assertThat(read.answer().response()).isNull();
    }

    @Test
    void n_choices_are_all_kept_with_refusal_and_logprobs_of_the_first() throws Exception {
        String body = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                + "\"refusal\":\"I can't help with that.\"},\"logprobs\":{\"content\":[{\"token\":\"I\","
                + "\"logprob\":-1.2e-05,\"bytes\":[73],\"top_logprobs\":[]}]},\"finish_reason\":\"stop\"},"
                + "{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":\"second\"},\"logprobs\":null,"
                + "\"finish_reason\":\"length\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":9,"
                + "\"total_tokens\":14}}";
        Answers.Read read = answers.read(Endpoint.CHAT_COMPLETIONS, bytes(body));

        assertThat(read.answer().refusal()).isEqualTo("I can't help with that.");
        assertThat(read.answer().logprobs()).isEqualTo("{\"content\":[{\"token\":\"I\",\"logprob\":-1.2e-05,"
                + "\"bytes\":[73],\"top_logprobs\":[]}]}");
        assertThat(read.answer().choices()).startsWith("[{\"index\":0,").contains("\"content\":\"second\"")
                .contains("\"finish_reason\":\"length\"");
    }

    @Test
    void a_response_keeps_its_output_text_and_its_output_items() throws Exception {
        String body = """
                {"id":"resp_1","object":"response","status":"completed","model":"gpt-4.1",
                 "output":[{"type":"reasoning","id":"rs_1","summary":[]},
                   {"type":"message","id":"msg_1","status":"completed","role":"assistant",
                    "content":[{"type":"output_text","text":"Hello ","annotations":[]},
                               {"type":"output_text","text":"world","annotations":[]}]},
                   {"type":"function_call","id":"fc_1","call_id":"call_1","name":"f","arguments":"{}"}],
                 "incomplete_details":null,
                 "usage":{"input_tokens":11,"output_tokens":4,"total_tokens":15}}""";
        Answers.Read read = answers.read(Endpoint.RESPONSES, bytes(body));

        assertThat(read.content()).isEqualTo("Hello world");
        assertThat(read.finishReason()).isEqualTo("completed");
        assertThat(read.usage()).isEqualTo(new Usage(11, 4, 15));
        assertThat(read.answer().output()).startsWith("[{\"type\":\"reasoning\"")
                .contains("{\"type\":\"function_call\",\"id\":\"fc_1\",\"call_id\":\"call_1\",\"name\":\"f\","
                        + "\"arguments\":\"{}\"}");

        Answers.Read cut = answers.read(Endpoint.RESPONSES, bytes("{\"status\":\"incomplete\",\"incomplete_details\":"
                + "{\"reason\":\"max_output_tokens\"},\"output\":[]}"));
        assertThat(cut.finishReason()).isEqualTo("max_output_tokens");
        assertThat(cut.content()).isNull();
    }

    @Test
    void embeddings_keep_every_vector_token_for_token_in_input_order_from_a_pretty_printed_answer()
            throws Exception {
        String body = """
                {
                  "object": "list",
                  "data": [
                    { "object": "embedding", "index": 1, "embedding": [ 1.0E-7, -0.50 ] },
                    { "object": "embedding", "index": 0, "embedding": [ 0.0023064255, -9.3e-05 ] }
                  ],
                  "model": "text-embedding-3-small",
                  "usage": { "prompt_tokens": 8, "total_tokens": 8 }
                }""";
        Answers.Read read = answers.read(Endpoint.EMBEDDINGS, bytes(body));

        assertThat(read.answer().embeddings()).isEqualTo("[[0.0023064255,-9.3e-05],[1.0E-7,-0.50]]");
        assertThat(read.usage()).as("no completion tokens").isEqualTo(new Usage(8, 0, 8));
        assertThat(read.content()).isNull();

        Answers.Read base64 = answers.read(Endpoint.EMBEDDINGS, bytes("{\"data\":[{\"index\":0,\"embedding\":"
                + "\"AACAPw==\"}],\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}"));
        assertThat(base64.answer().embeddings()).isEqualTo("[\"AACAPw==\"]");
    }

    @Test
    void moderations_and_completions_keep_their_results_and_text() throws Exception {
        Answers.Read moderation = answers.read(Endpoint.MODERATIONS, bytes("{\"id\":\"modr-1\",\"model\":\"m\","
                + "\"results\":[{\"flagged\":false,\"categories\":{},\"category_scores\":{\"hate\":1.5e-06}}]}"));
        assertThat(moderation.answer().moderations()).isEqualTo("[{\"flagged\":false,\"categories\":{},"
                + "\"category_scores\":{\"hate\":1.5e-06}}]");

        Answers.Read completion = answers.read(Endpoint.COMPLETIONS, bytes("{\"object\":\"text_completion\","
                + "\"choices\":[{\"text\":\" a time\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":2,\"total_tokens\":4}}"));
        assertThat(completion.content()).isEqualTo(" a time");
        assertThat(completion.answer()).isNull();
    }

    @Test
    void include_response_keeps_the_whole_body_compact_with_its_numbers_as_written() throws Exception {
        Answers.Read read = new Answers(true).read(Endpoint.EMBEDDINGS, bytes("{\n  \"object\": \"list\",\n"
                + "  \"data\": [{\"index\": 0, \"embedding\": [1e-3]}],\n  \"usage\": {\"prompt_tokens\": 1}\n}"));
        assertThat(read.answer().response()).isEqualTo("{\"object\":\"list\",\"data\":[{\"index\":0,"
                + "\"embedding\":[1e-3]}],\"usage\":{\"prompt_tokens\":1}}");
    }

    @Test
    void an_answer_without_what_its_endpoint_always_sends_is_an_invalid_response() {
        assertThatThrownBy(() -> answers.read(Endpoint.EMBEDDINGS, bytes("{\"choices\":[]}")))
                .isInstanceOf(InvalidResponseException.class).hasMessageContaining("no \"data\"");
        assertThatThrownBy(() -> answers.read(Endpoint.CHAT_COMPLETIONS, bytes("{\"data\":[]}")))
                .isInstanceOf(InvalidResponseException.class).hasMessageContaining("no \"choices\"");
        assertThatThrownBy(() -> answers.read(Endpoint.RESPONSES, bytes("{\"object\":\"response\"}")))
                .isInstanceOf(InvalidResponseException.class).hasMessageContaining("no \"output\"");
        assertThatThrownBy(() -> answers.read(Endpoint.CHAT_COMPLETIONS, bytes("<html>")))
                .isInstanceOf(InvalidResponseException.class).hasMessageContaining("not JSON");
    }
}
