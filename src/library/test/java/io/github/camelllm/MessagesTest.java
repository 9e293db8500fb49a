package io.github.camelllm;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Prompts as messages in a host's context: what is accepted is persisted before the sender is let go and answered
 * after a stop, results are delivered from the journal on threads of their own, a sender that waits gets the answer
 * as its reply, and the sender's headers come back.
 */
class MessagesTest {

    @TempDir
    Path tmp;

    private PipelineFixture onSimulator(SimulatorConfig config) {
        return PipelineFixture.onSimulator(tmp, config.withRate429(0).withRate500(0));
    }

    @Test
    void a_sender_that_waits_gets_the_answer_as_its_reply_with_its_headers() throws Exception {
        try (PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withLatencyMs(20))) {
            pipeline.start();
            var template = pipeline.app().template();

            Exchange reply = template.send("direct:llm-prompts", ExchangePattern.InOut, e -> {
                e.getMessage().setBody("What is 2+2?");
                e.getMessage().setHeader("tenant", "acme");
                e.getMessage().setHeader("JMSCorrelationID", "corr-1");
                e.getMessage().setHeader("Authorization", "Bearer secret");
                e.getMessage().setHeader("CamelFileName", "x.txt");
            });

            assertThat(reply.getException()).isNull();
            JsonNode result = PipelineFixture.JSON.readTree(reply.getMessage().getBody(String.class));
            assertThat(result.get("status").asText()).isEqualTo("ok");
            assertThat(result.get("content").asText()).isEqualTo("echo: What is 2+2?");
            assertThat(result.get("custom_id").asText()).as("named after the message")
                    .isEqualTo(reply.getMessage().getMessageId()).isNotEqualTo("1");
            Map<String, Object> headers = reply.getMessage().getHeaders();
            assertThat(headers).containsEntry("tenant", "acme").containsEntry("JMSCorrelationID", "corr-1")
                    .containsEntry("llmPipeline", "llm").containsEntry("llmStatus", "ok")
                    .doesNotContainKeys("Authorization", "CamelFileName");
            await().atMost(Duration.ofSeconds(10)).until(() -> messageFolders(pipeline).isEmpty());
        }
    }

    @Test
    void a_jms_request_with_a_reply_queue_gets_the_answer_there_with_its_headers() throws Exception {
        try (ScaleOutTest.Broker broker = new ScaleOutTest.Broker(tmp.resolve("broker"));
             PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withLatencyMs(20))
                     .with("llm.broker.url", broker.url)
                     .with("llm.input.uri", "llm-jms:queue:rr-prompts?asyncConsumer=true&concurrentConsumers=2")) {
            pipeline.start();
            var template = pipeline.app().template();

            Exchange reply = template.send("llm-jms:queue:rr-prompts?exchangePattern=InOut&requestTimeout=20000",
                    e -> {
                        e.getMessage().setBody("What is a reply queue?");
                        e.getMessage().setHeader("tenant", "acme");
                    });

            assertThat(reply.getException()).isNull();
            JsonNode result = PipelineFixture.JSON.readTree(reply.getMessage().getBody(String.class));
            assertThat(result.get("content").asText()).isEqualTo("echo: What is a reply queue?");
            assertThat(result.get("custom_id").asText()).as("the JMSMessageID").isNotEqualTo("1").isNotBlank();
            assertThat(reply.getMessage().getHeader("tenant")).isEqualTo("acme");
            assertThat(reply.getMessage().getHeader("llmPipeline")).isEqualTo("llm");
        }
    }

    @Test
    void the_async_api_gets_the_reply_without_a_thread_waiting() throws Exception {
        try (PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withLatencyMs(300))) {
            pipeline.start();
            var template = pipeline.app().template();
            long before = System.nanoTime();
            CompletableFuture<Object> answer = template.asyncRequestBody("direct:llm-prompts",
                    "{\"custom_id\":\"q\",\"prompt\":\"hello\"}");
            assertThat((System.nanoTime() - before) / 1_000_000).as("returned before the answer").isLessThan(300);
            String json = (String) answer.get(20, TimeUnit.SECONDS);
            assertThat(PipelineFixture.JSON.readTree(json).get("custom_id").asText()).isEqualTo("q");
        }
    }

    @Test
    void a_message_without_its_own_id_is_named_after_its_message_id() throws Exception {
        try (PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withLatencyMs(5))
                .with("llm.output.uri", "mock:out")) {
            pipeline.start();
            CamelContext context = pipeline.app().context();
            MockEndpoint out = context.getEndpoint("mock:out", MockEndpoint.class);
            out.expectedMessageCount(3);
            var template = pipeline.app().template();
            template.sendBodyAndHeader("direct:llm-prompts", "one", "llmMessageId", "m-1");
            template.sendBodyAndHeader("direct:llm-prompts", "{\"prompt\":\"two\"}", "llmMessageId", "m-2");
            template.sendBodyAndHeader("direct:llm-prompts", "three", "tenant", "t3");

            out.assertIsSatisfied(20_000);
            assertThat(out.getExchanges()).extracting(e -> e.getMessage().getHeader("llmCustomId", String.class))
                    .contains("m-1", "m-2").doesNotContain("1");
            Exchange third = out.getExchanges().stream()
                    .filter(e -> "t3".equals(e.getMessage().getHeader("tenant"))).findFirst().orElseThrow();
            assertThat(third.getMessage().getHeader("llmPipeline")).isEqualTo("llm");
        }
    }

    @Test
    void prompts_accepted_before_a_stop_are_all_answered_after_the_restart_and_paid_once() throws Exception {
        int prompts = 30;
        List<String> delivered = new CopyOnWriteArrayList<>();
        RouteBuilder answers = new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:answers").routeId("answers")
                        .process(e -> delivered.add(e.getMessage().getHeader("llmCustomId", String.class)));
            }
        };
        try (PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withLatencyMs(300).withJitterMs(0))
                .with("llm.concurrency", "4").with("llm.output.uri", "direct:answers")
                .with("llm.output.retry-delay-ms", "50")) {
            OpenAiSimulator sim = pipeline.simulator();
            pipeline.start();
            pipeline.app().context().addRoutes(answers);
            for (int i = 0; i < prompts; i++) {
                pipeline.app().template().sendBody("direct:llm-prompts",
                        "{\"custom_id\":\"r" + i + "\",\"prompt\":\"q" + i + "\"}");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> sim.chatRequests() >= 6);
            pipeline.stop(); // graceful: the calls in flight end and are journaled, the queued prompts wait
            long callsBefore = sim.chatRequests();
            int deliveredBefore = delivered.size();
            assertThat(callsBefore).as("stopped midway").isLessThan(prompts);

            pipeline.start();
            pipeline.app().context().addRoutes(answers);
            await().atMost(Duration.ofSeconds(30)).until(() -> delivered.size() >= prompts);
            System.out.printf("direct: %d messages sent, %d answered and %d calls before the stop; after the "
                    + "restart %d answered, %d calls in all%n", prompts, deliveredBefore, callsBefore,
                    delivered.size(), sim.chatRequests());
            assertThat(delivered).hasSize(prompts).doesNotHaveDuplicates();
            assertThat(sim.chatRequests()).as("no prompt paid twice").isEqualTo(prompts);
            await().atMost(Duration.ofSeconds(10)).until(() -> messageFolders(pipeline).isEmpty());
        }
    }

    @Test
    void a_slow_result_route_slows_delivery_not_the_calls() throws Exception {
        int prompts = 20;
        int concurrency = 10;
        try (OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withPort(0).withLatencyMs(100)
                .withJitterMs(0).withRate429(0).withRate500(0));
             PipelineFixture pipeline = new PipelineFixture(tmp, null)) {
            sim.start();
            pipeline.with("llm.base-url", sim.baseUrl()).with("llm.concurrency", Integer.toString(concurrency))
                    .with("llm.output.uri", "direct:slow-answers").with("llm.output.threads", "2");
            pipeline.start();
            CamelContext context = pipeline.app().context();
            List<String> delivered = new CopyOnWriteArrayList<>();
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:slow-answers").routeId("slow-answers")
                            .process(e -> {
                                Thread.sleep(300); // a host route that takes its time over each result
                                delivered.add(e.getMessage().getHeader("llmCustomId", String.class));
                            });
                }
            });
            var template = pipeline.app().template();
            long start = System.nanoTime();
            for (int i = 0; i < prompts; i++) {
                template.sendBody("direct:llm-prompts", "{\"custom_id\":\"p" + i + "\",\"prompt\":\"q" + i + "\"}");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> sim.chatRequests() >= prompts);
            long callsMs = (System.nanoTime() - start) / 1_000_000;
            await().atMost(Duration.ofSeconds(60)).until(() -> delivered.size() == prompts);
            long allMs = (System.nanoTime() - start) / 1_000_000;
            System.out.printf("slow result route: %d calls in %d ms (peak in flight %d), all delivered after %d ms%n",
                    prompts, callsMs, sim.peakInFlight(), allMs);
            assertThat(sim.peakInFlight()).as("the calls did not wait for the slow route").isEqualTo(concurrency);
            assertThat(delivered).hasSize(prompts).doesNotHaveDuplicates();
        }
    }

    @Test
    void a_stopped_result_route_loses_nothing_and_gets_everything_once_it_starts_again() throws Exception {
        try (PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withLatencyMs(10))
                .with("llm.output.uri", "direct:answers").with("llm.output.retry-delay-ms", "50")
                .with("llm.output.max-retry-delay-ms", "200")) {
            pipeline.start();
            CamelContext context = pipeline.app().context();
            List<String> delivered = new CopyOnWriteArrayList<>();
            context.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("direct:answers?timeout=100").routeId("answers")
                            .process(e -> delivered.add(e.getMessage().getHeader("llmCustomId", String.class)));
                }
            });
            context.getRouteController().stopRoute("answers");
            var template = pipeline.app().template();
            for (int i = 0; i < 10; i++) {
                template.sendBody("direct:llm-prompts", "{\"custom_id\":\"s" + i + "\",\"prompt\":\"q\"}");
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> pipeline.journalLines() >= 10);
            assertThat(delivered).isEmpty();

            context.getRouteController().startRoute("answers");

            await().atMost(Duration.ofSeconds(20)).until(() -> delivered.size() >= 10);
            assertThat(delivered).hasSize(10).doesNotHaveDuplicates();
            await().atMost(Duration.ofSeconds(10)).until(() -> messageFolders(pipeline).isEmpty());
        }
    }

    @Test
    void a_batch_job_started_by_a_message_is_polled_and_fetched_after_a_restart() throws Exception {
        try (PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withBatchStepMs(1500))
                .with("llm.batch.poll-interval-ms", "200").with("llm.batch.flush-ms", "100")
                .with("llm.output.uri", "mock:out")) {
            OpenAiSimulator sim = pipeline.simulator();
            pipeline.start();
            pipeline.app().template().sendBody("direct:llm-prompts",
                    "{\"custom_id\":\"b1\",\"prompt\":\"summarise this\",\"mode\":\"batch\"}");
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                    .until(() -> pipeline.batchJobs().stream().anyMatch(j -> j.hasNonNull("batch_id")));
            pipeline.stop(); // while the batch is in progress: its shard stays submitted with its batch id

            pipeline.start();
            MockEndpoint out = pipeline.app().context().getEndpoint("mock:out", MockEndpoint.class);
            out.expectedMessageCount(1);
            out.assertIsSatisfied(20_000);
            Exchange result = out.getExchanges().get(0);
            assertThat(result.getMessage().getHeader("llmCustomId")).isEqualTo("b1");
            assertThat(PipelineFixture.JSON.readTree(result.getMessage().getBody(String.class)).get("route").asText())
                    .isEqualTo("batch");
            assertThat(sim.batchInputFiles()).as("never uploaded twice").isEqualTo(1);
            assertThat(sim.batchesCreated()).as("never paid twice").isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> messageFolders(pipeline).isEmpty());
        }
    }

    static List<Path> messageFolders(PipelineFixture pipeline) throws Exception {
        if (!Files.isDirectory(pipeline.work)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(pipeline.work)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("msg-")).toList();
        }
    }
}
