package io.github.camelllm.routes;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.camelllm.config.OnDuplicate;
import io.github.camelllm.config.OutputOrder;
import io.github.camelllm.delivery.Deliveries;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.Usage;
import io.github.camelllm.run.MessageInput;
import io.github.camelllm.run.Run;
import io.github.camelllm.run.RunRegistry;
import jakarta.jms.Connection;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.component.jms.JmsEndpoint;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 60-delivery.camel.yaml, on an endpoint that throws instead of failing the exchange, so that the result route's
 * redeliveries never see it: a JMS endpoint without a connection factory (camel-jms only asks for one when the
 * first message is sent). The run's delivery is not tried again at once with its next result, but after
 * llm.output.retry-delay-ms, growing; once the endpoint works every result goes out once, on a real broker.
 */
class DeliveryRefusedTest extends RouteFileTestSupport {

    private static final long RETRY_DELAY_MS = 1_500;
    private static final String OUTPUT = "jms:queue:answers";

    DeliveryRefusedTest() {
        super("60-delivery.camel.yaml", Map.of("llm.output.uri", OUTPUT, "llm.output.threads", "2",
                "llm.output.retry-delay-ms", Long.toString(RETRY_DELAY_MS),
                "llm.output.max-retry-delay-ms", Long.toString(2 * RETRY_DELAY_MS)));
    }

    @TempDir
    Path dir;
    RunRegistry runs;
    Deliveries deliveries;
    final EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
    final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @Override
    protected void bindToRegistry(Registry registry) throws Exception {
        runs = new RunRegistry(dir.resolve("work"), dir.resolve("outbox"), OutputOrder.ORDERED, OnDuplicate.SKIP);
        deliveries = new Deliveries("llm", runs, "seda:llm-deliver", OUTPUT, "llm.output.uri",
                Duration.ofMillis(RETRY_DELAY_MS), Duration.ofMillis(2 * RETRY_DELAY_MS));
        registry.bind("llm-deliveries", deliveries);
        registry.bind("llm-nextDelivery", deliveries.nextDelivery());
        registry.bind("jms", new JmsComponent()); // no connection factory yet
        broker.setConfiguration(new ConfigurationImpl().setPersistenceEnabled(false).setSecurityEnabled(false)
                .setJournalDirectory(dir.resolve("broker").toString()).addAcceptorConfiguration("in-vm", "vm://0"));
        broker.start();
        log.start();
        ((Logger) LoggerFactory.getLogger(Deliveries.class)).addAppender(log);
    }

    @AfterEach
    void stopAll() throws Exception {
        ((Logger) LoggerFactory.getLogger(Deliveries.class)).detachAppender(log);
        deliveries.stop();
        runs.close();
        context.stop();
        broker.stop();
    }

    long failures() {
        return List.copyOf(log.list).stream()
                .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains("failed")).count();
    }

    @Test
    void a_delivery_that_throws_is_tried_again_after_its_delay_not_at_once() throws Exception {
        deliveries.start(context,
                context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "llm-timer"));
        Run run = runs.acceptMessage(new MessageInput("m1", MessageInput.Kind.JSONL,
                "{\"prompt\":\"one\"}\n{\"prompt\":\"two\"}\n{\"prompt\":\"three\"}\n", "m1", false, Map.of(), 0));
        for (long line = 1; line <= 3; line++) {
            run.lineSeen();
        }
        runs.intakeDone(run.id());
        for (long line = 1; line <= 3; line++) {
            runs.record(new PromptResult(run.id(), "c" + line, line, PromptResult.OK, "realtime", "answer " + line,
                    "stop", new Usage(3, 2, 5), 1, 10, null, null));
            deliveries.wake(run.id()); // each journaled result wakes the run, as the results route does
        }
        runs.finish(run.id());
        deliveries.wake(run.id());

        await().atMost(Duration.ofSeconds(10)).until(() -> failures() >= 1);
        // the next try comes after the delay, whatever wakes the run meanwhile
        deliveries.wake(run.id());
        await().during(Duration.ofMillis(RETRY_DELAY_MS / 3)).atMost(Duration.ofMillis(RETRY_DELAY_MS))
                .until(() -> failures() == 1);

        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory("vm://0");
        context.getEndpoint(OUTPUT, JmsEndpoint.class).getConfiguration().setConnectionFactory(factory);
        await().atMost(Duration.ofSeconds(20)).until(() -> !run.workDir().toFile().exists());
        assertThat(failures()).isBetween(1L, 3L);

        List<String> received = new ArrayList<>();
        try (Connection connection = factory.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer consumer = session.createConsumer(session.createQueue("answers"));
            for (TextMessage m = (TextMessage) consumer.receive(5_000); m != null;
                    m = (TextMessage) consumer.receiveNoWait()) {
                received.add(m.getStringProperty("llmCustomId"));
            }
        }
        assertThat(received).containsExactly("c1", "c2", "c3");
    }
}
