package io.github.camelllm.intake;

import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.camelllm.model.PromptRequest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One input line to one request body, without HTTP or Camel. */
class PromptParserTest {

    final PromptParser parser = new PromptParser(new ObjectMapper(), "default-model");

    PromptRequest parse(String line) throws InvalidLineException {
        return parser.parseJson("run", 7, line);
    }

    void assertInvalid(String line, String type, String message) {
        assertThatThrownBy(() -> parse(line)).isInstanceOf(InvalidLineException.class)
                .hasMessageContaining(message)
                .satisfies(e -> assertThat(((InvalidLineException) e).type()).isEqualTo(type));
    }

    /** A simple line nested {@code depth} levels deep in all (the line's own object is level 1, its body 2). */
    static String nested(int depth) {
        int arrays = depth - 2;
        return "{\"prompt\":\"p\",\"body\":{\"deep\":" + "[".repeat(arrays) + "]".repeat(arrays) + "}}";
    }

    // ------------------------------------------------------------------------------------ the simple shape

    @Test
    void a_simple_line_becomes_a_chat_request_with_its_options() throws Exception {
        String line = "{\"custom_id\":\"a\",\"prompt\":\"hi\",\"system\":\"be brief\",\"model\":\"m2\","
                + "\"max_tokens\":7,\"temperature\":0.5,\"mode\":\"batch\"}";
        PromptRequest r = parse(line);

        assertThat(r.runId()).isEqualTo("run");
        assertThat(r.line()).isEqualTo(7);
        assertThat(r.customId()).isEqualTo("a");
        assertThat(r.model()).isEqualTo("m2");
        assertThat(r.mode()).isEqualTo("batch");
        assertThat(r.body()).isEqualTo("{\"model\":\"m2\",\"messages\":[{\"role\":\"system\",\"content\":\"be brief\"},"
                + "{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":7,\"temperature\":0.5}");
        assertThat(r.estimatedTokens()).as("(10 chars + 3) / 4").isEqualTo(3);
        assertThat(r.source()).isEqualTo(line);
    }

    @Test
    void a_simple_line_without_options_takes_the_defaults() throws Exception {
        PromptRequest r = parse("{\"prompt\":\"hello there\"}");

        assertThat(r.customId()).as("the line number").isEqualTo("7");
        assertThat(r.model()).isEqualTo("default-model");
        assertThat(r.mode()).as("the router decides").isNull();
        assertThat(r.body()).isEqualTo("{\"model\":\"default-model\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hello there\"}]}");
    }

    @Test
    void a_numeric_custom_id_and_null_options_are_accepted() throws Exception {
        PromptRequest r = parse("{\"custom_id\":42,\"prompt\":\"x\",\"model\":null,\"system\":null,"
                + "\"max_tokens\":null,\"mode\":null}");
        assertThat(r.customId()).isEqualTo("42");
        assertThat(r.model()).isEqualTo("default-model");
        assertThat(r.body()).doesNotContain("max_tokens").doesNotContain("system");
    }

    // ------------------------------------------------------------------------------------ the Batch API shape

    @Test
    void a_batch_api_line_is_sent_as_is_with_the_default_model_filled_in() throws Exception {
        PromptRequest named = parse("{\"custom_id\":\"b\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\","
                + "\"body\":{\"model\":\"m3\",\"messages\":[{\"role\":\"user\",\"content\":\"raw\"}],\"seed\":3}}");
        assertThat(named.model()).isEqualTo("m3");
        assertThat(named.body()).isEqualTo("{\"model\":\"m3\",\"messages\":[{\"role\":\"user\",\"content\":\"raw\"}],"
                + "\"seed\":3}");
        assertThat(named.estimatedTokens()).isEqualTo(1);

        PromptRequest unnamed = parse("{\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"12345678\"}]}}");
        assertThat(unnamed.model()).isEqualTo("default-model");
        assertThat(unnamed.body()).startsWith("{\"messages\":").contains("\"model\":\"default-model\"");
        assertThat(unnamed.estimatedTokens()).isEqualTo(2);
        assertThat(unnamed.customId()).isEqualTo("7");
    }

    @Test
    void a_batch_api_line_without_method_and_url_means_post_to_chat_completions() throws Exception {
        assertThat(parse("{\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]},\"method\":\"post\"}")
                .body()).contains("\"content\":\"x\"");
    }

    @Test
    void a_text_line_is_the_prompt() {
        PromptRequest r = parser.parseText("run", 3, "c", "What is 2+2?");
        assertThat(r.customId()).isEqualTo("c");
        assertThat(r.line()).isEqualTo(3);
        assertThat(r.model()).isEqualTo("default-model");
        assertThat(r.mode()).isNull();
        assertThat(r.body()).isEqualTo("{\"model\":\"default-model\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"What is 2+2?\"}]}");
        assertThat(r.estimatedTokens()).isPositive();
    }

    // ------------------------------------------------------------------------------------ what is refused

    @Test
    void malformed_json_says_where() {
        assertInvalid("{\"prompt\": broken", "invalid_json", "malformed JSON");
        assertInvalid("{\"prompt\": broken", "invalid_json", "(at column ");
        assertInvalid("{\"prompt\":\"x\"} trailing words", "invalid_json", "malformed JSON");
    }

    @Test
    void a_line_that_is_not_an_object_names_what_it_is() {
        assertInvalid("[1,2,3]", "invalid_json", "expected a JSON object but the line is a JSON array");
        assertInvalid("\"just a string\"", "invalid_json", "the line is a JSON string");
        assertInvalid("42", "invalid_json", "the line is a JSON number");
    }

    @Test
    void a_missing_or_empty_prompt_is_refused() {
        assertInvalid("{\"custom_id\":\"c\"}", "missing_prompt",
                "no prompt: the line needs a \"prompt\" string (or a Batch API \"body\")");
        assertInvalid("{\"prompt\":null}", "missing_prompt", "no prompt");
        assertInvalid("{\"prompt\":\"   \"}", "missing_prompt", "\"prompt\" must be a non-empty string");
        assertInvalid("{\"prompt\":7}", "missing_prompt", "\"prompt\" must be a non-empty string");
    }

    @Test
    void fields_of_the_wrong_type_are_named() {
        assertInvalid("{\"prompt\":\"x\",\"system\":1}", "invalid_field", "\"system\" must be a string");
        assertInvalid("{\"prompt\":\"x\",\"model\":[]}", "invalid_field", "\"model\" must be a string");
        assertInvalid("{\"prompt\":\"x\",\"max_tokens\":1.5}", "invalid_field", "\"max_tokens\" must be an integer");
        assertInvalid("{\"prompt\":\"x\",\"temperature\":\"hot\"}", "invalid_field",
                "\"temperature\" must be a number");
        assertInvalid("{\"prompt\":\"x\",\"custom_id\":\" \"}", "invalid_field",
                "\"custom_id\" must be a non-empty string");
        assertInvalid("{\"prompt\":\"x\",\"custom_id\":{}}", "invalid_field",
                "\"custom_id\" must be a non-empty string");
        assertInvalid("{\"prompt\":\"x\",\"mode\":\"sometimes\"}", "invalid_field",
                "\"mode\" must be \"batch\" or \"realtime\", not \"sometimes\"");
    }

    @Test
    void batch_api_lines_for_other_endpoints_or_without_messages_are_refused() {
        String messages = "\"body\":{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        assertInvalid("{\"url\":\"/v1/images/generations\"," + messages + "}", "invalid_field",
                "unsupported url \"/v1/images/generations\": the Batch API takes /v1/chat/completions, "
                        + "/v1/responses, /v1/embeddings, /v1/completions, /v1/moderations");
        assertInvalid("{\"url\":\"/v1/embeddings\"," + messages + "}", "missing_input",
                "\"body.input\" is missing: /v1/embeddings needs an input text or list of texts");
        assertInvalid("{\"method\":\"GET\"," + messages + "}", "invalid_field",
                "unsupported method \"GET\": only POST");
        assertInvalid("{\"body\":\"text\"}", "invalid_field", "\"body\" must be a JSON object");
        assertInvalid("{\"body\":{\"messages\":[]}}", "missing_prompt", "\"body.messages\" must be a non-empty array");
        assertInvalid("{\"body\":{}}", "missing_prompt", "\"body.messages\" must be a non-empty array");
    }

    // ------------------------------------------------------------------------------------ the read limits

    @Test
    void nesting_deeper_than_the_limit_is_refused() throws Exception {
        assertThat(parse(nested(PromptParser.MAX_NESTING)).body()).contains("\"content\":\"p\"");
        assertInvalid(nested(PromptParser.MAX_NESTING + 1), "invalid_json", "JSON over a safety limit");
        assertInvalid(nested(1001), "invalid_json", "nesting depth");
    }

    @Test
    void number_literals_longer_than_the_limit_are_refused() throws Exception {
        String longest = "9".repeat(PromptParser.MAX_NUMBER_CHARS);
        assertThat(parse("{\"prompt\":\"x\",\"max_tokens\":" + longest + "}").body()).contains(longest);
        assertInvalid("{\"prompt\":\"x\",\"max_tokens\":" + "9".repeat(PromptParser.MAX_NUMBER_CHARS + 1) + "}",
                "invalid_json", "JSON over a safety limit");
        assertInvalid("{\"prompt\":\"x\",\"max_tokens\":" + "9".repeat(5000) + "}", "invalid_json", "Number");
    }

    @Test
    void strings_longer_than_jacksons_default_limit_are_read_whole() throws Exception {
        // the size of a line is bounded by llm.input.max-line-bytes, not by the JSON reader
        int length = StreamReadConstraints.DEFAULT_MAX_STRING_LEN + 1;
        PromptRequest r = parse("{\"prompt\":\"" + "x".repeat(length) + "\"}");
        assertThat(r.estimatedTokens()).isEqualTo((length + 3) / 4);
    }

    @Test
    void only_text_starting_with_a_brace_looks_like_a_json_object() {
        assertThat(PromptParser.looksLikeJsonObject("  \n{\"prompt\":1}")).isTrue();
        assertThat(PromptParser.looksLikeJsonObject("What is {x}?")).isFalse();
        assertThat(PromptParser.looksLikeJsonObject("   ")).isFalse();
    }
}
