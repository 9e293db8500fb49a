package com.example.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.LlmPipeline;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Spring Boot application against an OpenAI-compatible server started by the test: the pipeline comes from
 * properties alone (the library's auto-configuration and llm.pipelines), takes its settings from the Spring
 * Environment, and questions sent through the host's routes come back as answers, by request-reply too.
 */
@SpringBootTest
class AssistantApplicationTest {

    private static final String KEY = "sk-example-test";

    // started before the Spring context, whose properties point the pipeline at it
    static final FakeOpenAi OPENAI = start();

    @TempDir
    static Path tmp;

    @DynamicPropertySource
    static void api(DynamicPropertyRegistry registry) {
        registry.add("llm.assistant.base-url", OPENAI::baseUrl);
        registry.add("llm.assistant.api-key", () -> KEY);
        registry.add("llm.assistant.concurrency", () -> "3");
        registry.add("llm.assistant.work-dir", () -> tmp.resolve("work").toString());
    }

    @AfterAll
    static void stopServer() {
        OPENAI.close();
    }

    @Autowired
    ProducerTemplate producer;
    @Autowired
    Answers answers;
    @Autowired
    CamelContext camel;

    @Test
    void questions_sent_through_the_host_route_get_their_answers() {
        List<String> questions = List.of("What is Apache Camel?", "What does a dead letter channel do?",
                "Name three \"enterprise integration patterns\".", "Why bound concurrency?", "Ünïcode?");
        for (int i = 0; i < questions.size(); i++) {
            producer.sendBodyAndHeader(AskRoutes.ASK, questions.get(i), AskRoutes.QUESTION_ID, "q" + i);
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> answers.size() == questions.size());
        for (int i = 0; i < questions.size(); i++) {
            JsonNode result = answers.get("q" + i).orElseThrow();
            assertThat(result.path("status").asText()).as(result.toString()).isEqualTo("ok");
            assertThat(result.path("content").asText()).isEqualTo("answer to: " + questions.get(i));
            assertThat(result.path("usage").path("total_tokens").asInt()).isEqualTo(13);
        }
        // one call per question (the server also sees the other tests' questions: the context is shared)
        assertThat(OPENAI.questions.stream().filter(questions::contains))
                .containsExactlyInAnyOrderElementsOf(questions);
        assertThat(OPENAI.authorizations).containsOnly("Bearer " + KEY);
    }

    @Test
    void a_question_sent_with_request_reply_gets_its_answer_and_its_headers_back() throws Exception {
        Exchange reply = producer.request(AskRoutes.ASK_AND_WAIT, e -> {
            e.getMessage().setBody("What is request-reply?");
            e.getMessage().setHeader(AskRoutes.QUESTION_ID, "rr-1");
        });

        assertThat(reply.getException()).isNull();
        JsonNode result = new ObjectMapper().readTree(reply.getMessage().getBody(String.class));
        assertThat(result.path("custom_id").asText()).isEqualTo("rr-1");
        assertThat(result.path("content").asText()).isEqualTo("answer to: What is request-reply?");
        assertThat(reply.getMessage().getHeader(AskRoutes.QUESTION_ID)).isEqualTo("rr-1");
        assertThat(reply.getMessage().getHeader("llmPipeline")).isEqualTo("assistant");
    }

    @Test
    void the_pipeline_took_its_settings_from_the_spring_environment() {
        // from @DynamicPropertySource (over application.properties) and from application.properties alone
        assertThat(camel.getRoutes()).extracting(r -> r.getRouteId()).contains("ask", "answers", "assistant-messages");
        assertThat(camel.getPropertiesComponent().resolveProperty("llm.assistant.concurrency")).contains("3");
        assertThatThrownBy(() -> LlmPipeline.named("assistant").addTo(camel))
                .hasMessageContaining("already");
    }

    private static FakeOpenAi start() {
        try {
            return new FakeOpenAi();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
