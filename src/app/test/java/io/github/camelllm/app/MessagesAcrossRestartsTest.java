package io.github.camelllm.app;

import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.github.camelllm.OpenAiStubs.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The service reading its prompts from a real broker (the Artemis distribution as a process of its own) and
 * answering on another queue, stopped with SIGTERM or killed with SIGKILL while it works, then started again: every
 * message the broker handed over is answered, and no prompt is paid for twice but those in flight at a kill.
 */
class MessagesAcrossRestartsTest {

    static final int CONCURRENCY = 8;
    static final int MESSAGES = 60;

    static ArtemisDistribution broker;

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @RegisterExtension
    final PipelineFixture pipeline = new PipelineFixture(api).startedBy(AppPipeline::start);

    @BeforeAll
    static void startBroker() throws Exception {
        broker = ArtemisDistribution.create(Files.createTempDirectory("artemis-").resolve("broker"), "pipeline",
                "broker-secret").start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.stop();
        }
    }

    Process start(String queues) throws Exception {
        return pipeline.serviceProcess(pipeline.root, "llm.work-dir=" + pipeline.work, "llm.inbox.enabled=false",
                "llm.concurrency=" + CONCURRENCY, "llm.shutdown.timeout-ms=20000",
                "llm.broker.url=" + broker.url(), "llm.broker.user=" + broker.user(),
                "llm.broker.password=" + broker.password(),
                "llm.input.uri=jms:queue:" + queues + "-prompts?transacted=true&concurrentConsumers=4",
                "llm.output.uri=jms:queue:" + queues + "-answers");
    }

    /** Answers on the output queue, by custom_id, as they come. */
    static final class Answers implements AutoCloseable {
        final List<String> customIds = new CopyOnWriteArrayList<>();
        private final Connection connection;

        Answers(String queue) throws JMSException {
            connection = factory().createConnection();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            session.createConsumer(session.createQueue(queue)).setMessageListener(m -> {
                try {
                    customIds.add(PipelineFixture.JSON.readTree(((TextMessage) m).getText()).get("custom_id").asText());
                } catch (Exception e) {
                    customIds.add("unreadable: " + e);
                }
            });
            connection.start();
        }

        Map<String, Long> perId() {
            return customIds.stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        }

        @Override
        public void close() throws JMSException {
            connection.close();
        }
    }

    static ActiveMQConnectionFactory factory() {
        return new ActiveMQConnectionFactory(broker.url(), broker.user(), broker.password());
    }

    static void send(String queue, int count) throws JMSException {
        try (Connection connection = factory().createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageProducer producer = session.createProducer(session.createQueue(queue));
            for (int i = 1; i <= count; i++) {
                producer.send(session.createTextMessage(PipelineFixture.line("p" + i, "prompt number " + i, null)));
            }
        }
    }

    @Test
    void sigterm_loses_no_message_and_pays_for_none_twice() throws Exception {
        api.answerChats(echo().withFixedDelay(200));
        try (Answers answers = new Answers("term-answers")) {
            send("term-prompts", MESSAGES);
            Process first = start("term");
            await().atMost(Duration.ofSeconds(60)).until(() -> answers.customIds.size() >= 15 || !first.isAlive());
            first.destroy(); // SIGTERM
            assertThat(first.waitFor(40, TimeUnit.SECONDS)).isTrue();
            int answeredBefore = answers.customIds.size();
            int callsBefore = api.calls();

            Process second = start("term");
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> answers.perId().size() == MESSAGES);
            } finally {
                second.destroy();
                second.waitFor(40, TimeUnit.SECONDS);
            }
            System.out.printf("SIGTERM: %d messages sent, %d answered before the stop, %d calls before the stop; "
                    + "after the restart %d answered (%d distinct), %d calls in all%n", MESSAGES, answeredBefore,
                    callsBefore, answers.customIds.size(), answers.perId().size(), api.calls());
            assertThat(answeredBefore).isLessThan(MESSAGES);
            assertThat(answers.perId()).hasSize(MESSAGES).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
            assertThat(api.callsPerPrompt()).hasSize(MESSAGES).allSatisfy((p, n) -> assertThat(n).as(p).isEqualTo(1));
            assertThat(messageFolders()).as("nothing left to resume").isEmpty();
        }
    }

    @Test
    void kill_9_loses_no_message_and_repeats_only_the_calls_in_flight() throws Exception {
        api.answerChats(echo().withFixedDelay(200));
        try (Answers answers = new Answers("kill-answers")) {
            send("kill-prompts", MESSAGES);
            Process first = start("kill");
            await().atMost(Duration.ofSeconds(60)).until(() -> answers.customIds.size() >= 15 || !first.isAlive());
            first.destroyForcibly(); // SIGKILL: no shutdown, nothing flushed
            assertThat(first.waitFor(20, TimeUnit.SECONDS)).isTrue();
            int answeredBefore = answers.customIds.size();
            int callsBefore = api.calls();

            Process second = start("kill");
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> answers.perId().size() == MESSAGES);
            } finally {
                second.destroy();
                second.waitFor(40, TimeUnit.SECONDS);
            }
            long repeated = api.callsPerPrompt().values().stream().mapToLong(n -> n - 1).sum();
            long duplicates = answers.customIds.size() - answers.perId().size();
            System.out.printf("kill -9: %d messages sent, %d answered before the kill, %d calls before the kill; "
                    + "after the restart %d answered (%d distinct, %d delivered twice), %d calls in all, %d repeated%n",
                    MESSAGES, answeredBefore, callsBefore, answers.customIds.size(), answers.perId().size(),
                    duplicates, api.calls(), repeated);
            assertThat(answers.perId()).hasSize(MESSAGES);
            assertThat(api.callsPerPrompt()).hasSize(MESSAGES);
            // only calls in flight at the kill are made again: at most llm.concurrency of them
            assertThat(repeated).isLessThanOrEqualTo(CONCURRENCY);
            // a result handed to the broker just before the kill, whose cursor did not move yet, comes again
            assertThat(duplicates).isLessThanOrEqualTo(4);
        }
    }

    List<Path> messageFolders() throws Exception {
        try (var dirs = Files.list(pipeline.work)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("msg-")).toList();
        }
    }
}
