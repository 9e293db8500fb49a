package com.example.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application as it runs, against an OpenAI-compatible server and an Artemis broker started by the test: a
 * questions file goes in through the broker queue, every answer comes out in answers.jsonl, and the server saw
 * exactly one call per question; a question asked with request-reply over the broker gets its answer as the reply.
 */
class AssistantApplicationTest {

    private static final String KEY = "sk-example-test";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    FakeOpenAi openai;
    EmbeddedActiveMQ broker;
    Main main;

    @BeforeEach
    void start() throws Exception {
        openai = new FakeOpenAi();
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        broker = new EmbeddedActiveMQ();
        broker.setConfiguration(new ConfigurationImpl().setSecurityEnabled(false)
                .setJournalDirectory(tmp.resolve("broker/journal").toString())
                .setBindingsDirectory(tmp.resolve("broker/bindings").toString())
                .setLargeMessagesDirectory(tmp.resolve("broker/large").toString())
                .setPagingDirectory(tmp.resolve("broker/paging").toString())
                .addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + port));
        broker.start();
        main = new Main(AssistantApplication.class);
        // what a deployment would set through OPENAI_BASE_URL / OPENAI_API_KEY and its own folders
        main.addOverrideProperty("llm.assistant.base-url", openai.baseUrl());
        main.addOverrideProperty("llm.assistant.api-key", KEY);
        main.addOverrideProperty("llm.assistant.work-dir", tmp.resolve("work").toString());
        main.addOverrideProperty("questions.dir", tmp.resolve("questions").toString());
        main.addOverrideProperty("answers.dir", tmp.resolve("answers").toString());
        main.addOverrideProperty("broker.url", "tcp://127.0.0.1:" + port);
        main.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (main != null) {
            main.stop();
        }
        if (openai != null) {
            openai.close();
        }
        if (broker != null) {
            broker.stop();
        }
    }

    @Test
    void every_question_in_a_dropped_file_gets_its_answer() throws Exception {
        List<String> questions = List.of("What is Apache Camel?", "Why stream large files?", "",
                "Name three \"enterprise integration patterns\".", "How does back-pressure work?");
        Path inbox = Files.createDirectories(tmp.resolve("questions"));
        // written under a hidden name and renamed, as copy tools do: the route never sees a partial file
        Path partial = inbox.resolve(".faq.txt.part");
        Files.writeString(partial, String.join("\n", questions) + "\n");
        Files.move(partial, inbox.resolve("faq.txt"), StandardCopyOption.ATOMIC_MOVE);

        Path answers = tmp.resolve("answers/answers.jsonl");
        await().atMost(Duration.ofSeconds(30)).until(() -> lines(answers).size() == 4);

        Map<String, JsonNode> byId = new TreeMap<>();
        for (String line : lines(answers)) {
            JsonNode result = JSON.readTree(line);
            byId.put(result.path("custom_id").asText(), result);
        }
        assertEquals(List.of("faq-1", "faq-2", "faq-4", "faq-5"), new ArrayList<>(byId.keySet()),
                "one answer per non-blank line, named after its file and line");
        for (int i = 0; i < questions.size(); i++) {
            if (questions.get(i).isEmpty()) {
                continue;
            }
            JsonNode result = byId.get("faq-" + (i + 1));
            assertEquals("ok", result.path("status").asText(), result.toString());
            assertEquals("answer to: " + questions.get(i), result.path("content").asText());
            assertEquals(13, result.path("usage").path("total_tokens").asInt());
        }

        assertEquals(4, openai.questions.size(), "one call per question, no retries");
        assertEquals(List.of(questions.get(0), questions.get(1), questions.get(3), questions.get(4)),
                openai.questions.stream().sorted((a, b) -> questions.indexOf(a) - questions.indexOf(b)).toList());
        assertTrue(openai.authorizations.stream().allMatch(("Bearer " + KEY)::equals), "the key from the properties");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(inbox.resolve(".done/faq.txt")));
    }

    @Test
    void a_question_asked_over_the_broker_with_request_reply_gets_the_answer_as_its_reply() throws Exception {
        ProducerTemplate producer = main.getCamelContext().createProducerTemplate();

        // JMSReplyTo: the pipeline's answer comes back on the sender's own reply queue
        String reply = producer.requestBodyAndHeader("jms:queue:assistant-questions", "What is a durable queue?",
                "llmCustomId", "jms-1", String.class);

        JsonNode result = JSON.readTree(reply);
        assertEquals("jms-1", result.path("custom_id").asText());
        assertEquals("ok", result.path("status").asText());
        assertEquals("answer to: What is a durable queue?", result.path("content").asText());
        assertTrue(openai.questions.contains("What is a durable queue?"));
    }

    @Test
    void the_library_brings_none_of_the_command_line_application() {
        // the thin library: logback, Vert.x and Quartz stay out of the host (the broker client is this host's own)
        for (String absent : List.of("ch.qos.logback.classic.Logger", "io.vertx.core.Vertx", "org.quartz.Scheduler")) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(absent), absent);
        }
    }

    private static List<String> lines(Path file) throws IOException {
        return Files.exists(file) ? Files.readAllLines(file).stream().filter(l -> !l.isBlank()).toList() : List.of();
    }
}
