package io.github.camelllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.github.camelllm.OpenAiStubs.CHAT;
import static io.github.camelllm.OpenAiStubs.ok;
import static org.assertj.core.api.Assertions.assertThat;

/** What every call shares whichever client sends it: the key only to the base URL, and the body caps. */
@EachHttpClient
class OpenAiEdgeTest {

    static final String KEY = "sk-test-edge-key-5d4c3b2a";

    final String httpClient;

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @RegisterExtension
    final PipelineFixture pipeline;

    /** Another host, where a redirect would lead. */
    final WireMockServer elsewhere = new WireMockServer(options().dynamicPort());

    OpenAiEdgeTest(String httpClient) {
        this.httpClient = httpClient;
        this.pipeline = new PipelineFixture(api).with("llm.http.client", httpClient).with("llm.api-key", KEY)
                .with("llm.retry.max-attempts", "1");
    }

    @AfterEach
    void stopElsewhere() {
        elsewhere.stop();
    }

    @Test
    void a_redirect_is_not_followed_so_the_key_goes_nowhere_else() throws Exception {
        elsewhere.start();
        elsewhere.stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(anyUrl()).willReturn(ok("followed")));
        api.answerChats(aResponse().withStatus(307).withHeader("Location", elsewhere.baseUrl() + CHAT));
        pipeline.start();

        pipeline.run(pipeline.write("redirect.jsonl", PipelineFixture.prompts(1)));

        JsonNode r = pipeline.results("redirect").get(0);
        assertThat(r.get("status").asText()).isEqualTo("error");
        assertThat(r.get("error").get("http_status").asInt()).isEqualTo(307);
        api.server().verify(1, postRequestedFor(urlEqualTo(CHAT)).withHeader("Authorization",
                equalTo("Bearer " + KEY)));
        elsewhere.verify(0, anyRequestedFor(anyUrl()));
    }

    @Test
    void an_error_page_larger_than_the_answer_cap_is_cut_and_read_not_refused() throws Exception {
        String message = "The server is overloaded. " + "x".repeat(6_000);
        api.answerChats(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
                .withBody(OpenAiStubs.error(message, "invalid_request_error", null)));
        pipeline.with("llm.response.max-bytes", "2000").start();

        pipeline.run(pipeline.write("big-error.jsonl", PipelineFixture.prompts(1)));

        JsonNode error = pipeline.results("big-error").get(0).get("error");
        assertThat(error.get("http_status").asInt()).isEqualTo(400);
        assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.get("message").asText()).contains("400 invalid_request_error: The server is overloaded.")
                .doesNotContain("llm.response.max-bytes");
    }

    @Test
    void an_answer_larger_than_the_cap_is_refused() throws Exception {
        api.answerChats(ok("y".repeat(5_000)));
        pipeline.with("llm.response.max-bytes", "2000").start();

        pipeline.run(pipeline.write("big-answer.jsonl", PipelineFixture.prompts(1)));

        JsonNode r = pipeline.results("big-answer").get(0);
        assertThat(r.get("status").asText()).isEqualTo("error");
        assertThat(r.get("error").get("message").asText()).contains("llm.response.max-bytes=2000");
        api.server().verify(1, postRequestedFor(urlEqualTo(CHAT)));
    }
}
