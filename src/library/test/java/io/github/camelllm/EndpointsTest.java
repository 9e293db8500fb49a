package io.github.camelllm;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.github.camelllm.OpenAiStubs.json;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every endpoint end to end in real time, against a server that answers only requests of the documented shape
 * for its path (anything else gets WireMock's 404 and ends as an error result).
 */
@EachHttpClient
class EndpointsTest {

    static final String EMBEDDINGS = "/v1/embeddings";
    static final String RESPONSES = "/v1/responses";

    /** As OpenAI sends it: pretty-printed, with numbers in the forms Python writes them. */
    static final String ONE_VECTOR = """
            {
              "object": "list",
              "data": [
                {
                  "object": "embedding",
                  "index": 0,
                  "embedding": [0.0023064255, -9.3e-05, 1.0E-7]
                }
              ],
              "model": "text-embedding-3-small",
              "usage": {"prompt_tokens": 8, "total_tokens": 8}
            }""";
    static final String TWO_VECTORS = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":1,"
            + "\"embedding\":[0.5,-0.25]},{\"object\":\"embedding\",\"index\":0,\"embedding\":[-1.5e-3,0.125]}],"
            + "\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}";
    static final String RESPONSE = "{\"id\":\"resp_1\",\"object\":\"response\",\"status\":\"completed\",\"model\":"
            + "\"gpt-4.1\",\"output\":[{\"type\":\"message\",\"id\":\"msg_1\",\"status\":\"completed\",\"role\":"
            + "\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Four.\",\"annotations\":[]}]}],"
            + "\"usage\":{\"input_tokens\":12,\"output_tokens\":2,\"total_tokens\":14}}";
    static final String TOOL_CALLS = "{\"id\":\"chatcmpl-9\",\"object\":\"chat.completion\",\"model\":\"gpt-4o\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,\"refusal\":null,"
            + "\"tool_calls\":[{\"id\":\"call_a\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"arguments\":\"{\\\"city\\\":\\\"Oslo\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":\"tool_calls\"},"
            + "{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":null,\"refusal\":null,\"tool_calls\":[{"
            + "\"id\":\"call_b\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":"
            + "\"{\\\"city\\\":\\\"Bergen\\\"}\"}}]},\"logprobs\":null,\"finish_reason\":\"tool_calls\"}],"
            + "\"usage\":{\"prompt_tokens\":40,\"completion_tokens\":30,\"total_tokens\":70}}";
    static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
            + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]";

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @RegisterExtension
    final PipelineFixture pipeline;

    /** @param httpClient the client that sends every endpoint's requests ({@code llm.http.client}) */
    EndpointsTest(String httpClient) {
        this.pipeline = new PipelineFixture(api).with("llm.http.client", httpClient);
    }

    /** Embeddings requests: a model and an input, never chat messages. */
    void stubEmbeddings() {
        api.server().stubFor(post(urlEqualTo(EMBEDDINGS))
                .withRequestBody(matchingJsonPath("$.model", equalTo("text-embedding-3-small")))
                .withRequestBody(matchingJsonPath("$.input"))
                .withRequestBody(matchingJsonPath("$.messages", absent()))
                .willReturn(json(200, ONE_VECTOR)));
        api.server().stubFor(post(urlEqualTo(EMBEDDINGS)).atPriority(1)
                .withRequestBody(matchingJsonPath("$.input[1]"))
                .withRequestBody(matchingJsonPath("$.dimensions", equalTo("2")))
                .withRequestBody(matchingJsonPath("$.messages", absent()))
                .willReturn(json(200, TWO_VECTORS)));
    }

    /** Responses requests: input and instructions, the output budget as max_output_tokens, no messages. */
    void stubResponses() {
        api.server().stubFor(post(urlEqualTo(RESPONSES))
                .withRequestBody(matchingJsonPath("$.model", equalTo("gpt-4.1")))
                .withRequestBody(matchingJsonPath("$.input"))
                .withRequestBody(matchingJsonPath("$.messages", absent()))
                .withRequestBody(matchingJsonPath("$.max_tokens", absent()))
                .willReturn(json(200, RESPONSE)));
    }

    /** Chat requests with the tools, a forced tool choice and n = 2. */
    void stubToolCalls() {
        api.server().stubFor(post(urlEqualTo(OpenAiStubs.CHAT))
                .withRequestBody(matchingJsonPath("$.tools[0].function.name", equalTo("get_weather")))
                .withRequestBody(matchingJsonPath("$.tool_choice", equalTo("required")))
                .withRequestBody(matchingJsonPath("$.n", equalTo("2")))
                .withRequestBody(matchingJsonPath("$.messages[0].content", equalTo("Weather in Oslo and Bergen?")))
                .willReturn(json(200, TOOL_CALLS)));
    }

    static Map<String, JsonNode> byCustomId(List<JsonNode> results) {
        return results.stream().collect(Collectors.toMap(r -> r.path("custom_id").asText(), Function.identity()));
    }

    @Test
    void an_embeddings_file_keeps_every_vector_exactly_and_every_result_its_custom_id() throws Exception {
        stubEmbeddings();
        pipeline.with("llm.endpoint", "embeddings").with("llm.model", "text-embedding-3-small").start();
        RunSummary summary = pipeline.run(pipeline.write("corpus.jsonl", List.of(
                "{\"custom_id\":\"doc-1\",\"input\":\"The quick brown fox\"}",
                "{\"custom_id\":\"doc-2\",\"input\":[\"first\",\"second\"],\"body\":{\"dimensions\":2}}",
                "{\"custom_id\":\"doc-3\",\"input\":\"jumps\",\"colour\":\"red\"}",
                "{\"custom_id\":\"doc-4\",\"prompt\":\"not an input\"}")));

        assertThat(summary.succeeded()).isEqualTo(2);
        assertThat(summary.invalid()).isEqualTo(2);
        List<String> lines = Files.readAllLines(pipeline.outbox.resolve("corpus.results.jsonl"));
        assertThat(lines.get(0)).contains("\"embeddings\":[[0.0023064255,-9.3e-05,1.0E-7]]");
        assertThat(lines.get(1)).as("in input order, whatever order data lists them in")
                .contains("\"embeddings\":[[-1.5e-3,0.125],[0.5,-0.25]]");
        Map<String, JsonNode> results = byCustomId(pipeline.results("corpus"));
        assertThat(results.get("doc-1").path("usage").path("prompt_tokens").asLong()).isEqualTo(8);
        assertThat(results.get("doc-1").path("usage").path("completion_tokens").asLong()).isZero();
        assertThat(results.get("doc-3").path("status").asText()).isEqualTo("invalid");
        assertThat(results.get("doc-3").at("/error/message").asText()).contains("unknown field \"colour\"");
        assertThat(results.get("doc-4").path("status").asText()).isEqualTo("invalid");
        assertThat(results.get("doc-4").at("/error/message").asText()).contains("\"prompt\" has no meaning");
        api.server().verify(2, postRequestedFor(urlEqualTo(EMBEDDINGS)));
    }

    @Test
    void one_file_sends_each_line_to_the_endpoint_it_names_and_keeps_the_whole_answer() throws Exception {
        stubEmbeddings();
        stubResponses();
        stubToolCalls();
        pipeline.start();
        RunSummary summary = pipeline.run(pipeline.write("mixed.jsonl", List.of(
                "{\"custom_id\":\"tools\",\"prompt\":\"Weather in Oslo and Bergen?\",\"body\":{" + TOOLS + ","
                        + "\"tool_choice\":\"required\",\"n\":2}}",
                "{\"custom_id\":\"vec\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{\"model\":"
                        + "\"text-embedding-3-small\",\"input\":\"a text\"}}",
                "{\"custom_id\":\"resp\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":{\"model\":"
                        + "\"gpt-4.1\",\"instructions\":\"Be brief.\",\"input\":\"What is 2+2?\","
                        + "\"max_output_tokens\":16}}",
                "{\"custom_id\":\"img\",\"method\":\"POST\",\"url\":\"/v1/images/generations\",\"body\":{}}")));

        assertThat(summary.succeeded()).isEqualTo(3);
        assertThat(summary.invalid()).isEqualTo(1);
        Map<String, JsonNode> results = byCustomId(pipeline.results("mixed"));
        JsonNode tools = results.get("tools");
        assertThat(tools.path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(tools.path("content").isNull()).isTrue();
        assertThat(tools.at("/tool_calls/0/function/name").asText()).isEqualTo("get_weather");
        assertThat(tools.at("/tool_calls/0/function/arguments").asText()).isEqualTo("{\"city\":\"Oslo\"}");
        assertThat(tools.path("choices")).hasSize(2);
        assertThat(tools.at("/choices/1/message/tool_calls/0/function/arguments").asText())
                .isEqualTo("{\"city\":\"Bergen\"}");
        assertThat(results.get("vec").at("/embeddings/0")).hasSize(3);
        JsonNode resp = results.get("resp");
        assertThat(resp.path("content").asText()).isEqualTo("Four.");
        assertThat(resp.path("finish_reason").asText()).isEqualTo("completed");
        assertThat(resp.at("/output/0/type").asText()).isEqualTo("message");
        assertThat(resp.at("/usage/prompt_tokens").asLong()).isEqualTo(12);
        assertThat(resp.at("/usage/completion_tokens").asLong()).isEqualTo(2);
        assertThat(results.get("img").at("/error/message").asText()).contains("unsupported url");
        assertThat(results.get("img").path("response").isMissingNode()).isTrue();
    }

    @Test
    void a_responses_file_of_simple_lines_maps_prompt_system_and_max_tokens_to_the_responses_fields()
            throws Exception {
        stubResponses();
        api.server().stubFor(post(urlEqualTo(RESPONSES)).atPriority(1)
                .withRequestBody(matchingJsonPath("$.instructions", equalTo("Be brief.")))
                .withRequestBody(matchingJsonPath("$.max_output_tokens", equalTo("16")))
                .withRequestBody(matchingJsonPath("$.input", equalTo("What is 2+2?")))
                .willReturn(json(200, RESPONSE)));
        pipeline.with("llm.endpoint", "responses").with("llm.model", "gpt-4.1")
                .with("llm.output.include-response", "true").start();
        RunSummary summary = pipeline.run(pipeline.write("ask.jsonl", List.of(
                "{\"custom_id\":\"q\",\"prompt\":\"What is 2+2?\",\"system\":\"Be brief.\",\"max_tokens\":16}")));

        assertThat(summary.succeeded()).isEqualTo(1);
        JsonNode q = pipeline.results("ask").get(0);
        assertThat(q.path("content").asText()).isEqualTo("Four.");
        assertThat(q.path("response")).isEqualTo(PipelineFixture.JSON.readTree(RESPONSE));
    }

    @Test
    void the_openai_batch_format_writes_batch_api_output_lines_for_real_time_answers() throws Exception {
        stubToolCalls();
        api.answerChatsContaining("refuse me", json(400, OpenAiStubs.error("Invalid 'messages'.",
                "invalid_request_error", null)));
        pipeline.with("llm.output.format", "openai-batch").start();
        RunSummary summary = pipeline.run(pipeline.write("shape.jsonl", List.of(
                "{\"custom_id\":\"tools\",\"prompt\":\"Weather in Oslo and Bergen?\",\"body\":{" + TOOLS + ","
                        + "\"tool_choice\":\"required\",\"n\":2}}",
                "{\"custom_id\":\"bad\",\"prompt\":\"refuse me\"}",
                "{\"custom_id\":\"odd\",\"prompt\":\"x\",\"stream\":true}")));

        assertThat(summary.total()).isEqualTo(3);
        List<JsonNode> lines = pipeline.results("shape");
        assertThat(lines).extracting(l -> l.path("custom_id").asText()).containsExactly("tools", "bad", "odd");
        for (JsonNode line : lines) {
            assertThat(line.fieldNames()).toIterable().containsExactly("id", "custom_id", "response", "error");
        }
        JsonNode ok = lines.get(0);
        assertThat(ok.at("/response/status_code").asInt()).isEqualTo(200);
        assertThat(ok.at("/response/body")).isEqualTo(PipelineFixture.JSON.readTree(TOOL_CALLS));
        assertThat(ok.path("error").isNull()).isTrue();
        JsonNode bad = lines.get(1);
        assertThat(bad.at("/response/status_code").asInt()).isEqualTo(400);
        assertThat(bad.at("/response/body/error/message").asText()).contains("Invalid 'messages'.");
        JsonNode odd = lines.get(2);
        assertThat(odd.path("response").isNull()).isTrue();
        assertThat(odd.at("/error/code").asText()).isEqualTo("unknown_field");
        assertThat(odd.at("/error/message").asText()).contains("\"stream\"");
    }
}
