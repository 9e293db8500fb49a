package io.github.camelllm.routes;

import io.github.camelllm.config.OnDuplicate;
import io.github.camelllm.config.OutputOrder;
import io.github.camelllm.delivery.Deliveries;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.Usage;
import io.github.camelllm.run.DeliveryCursor;
import io.github.camelllm.run.MessageInput;
import io.github.camelllm.run.Run;
import io.github.camelllm.run.RunRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 60-delivery.camel.yaml: a run's results are read back from its journal and handed to llm.output.uri one by one,
 * with the sender's headers and the headers that name them; a refused delivery is tried again until it is taken;
 * once a complete message run's results are all delivered, its work folder goes.
 */
class DeliveryRouteTest extends RouteFileTestSupport {

    DeliveryRouteTest() {
        super("60-delivery.camel.yaml", Map.of("llm.output.uri", "mock:out", "llm.output.threads", "2",
                "llm.output.retry-delay-ms", "10", "llm.output.max-retry-delay-ms", "40"));
    }

    @TempDir
    Path dir;
    RunRegistry runs;
    Deliveries deliveries;

    @Override
    protected void bindToRegistry(Registry registry) {
        runs = new RunRegistry(dir.resolve("work"), dir.resolve("outbox"), OutputOrder.ORDERED, OnDuplicate.SKIP);
        deliveries = new Deliveries("llm", runs, "seda:llm-deliver", "mock:out", "llm.output.uri",
                Duration.ofMillis(10), Duration.ofMillis(40));
        registry.bind("llm-deliveries", deliveries);
        registry.bind("llm-nextDelivery", deliveries.nextDelivery());
    }

    @AfterEach
    void closeRuns() {
        runs.close();
    }

    Run messageRun(String body) throws Exception {
        deliveries.start(context,
                context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "llm-timer"));
        return runs.acceptMessage(new MessageInput("m1", MessageInput.Kind.JSONL, body, "m1", false,
                Map.of("tenant", "acme", "JMSCorrelationID", "c-1"), 0));
    }

    static PromptResult ok(Run run, long line) {
        return new PromptResult(run.id(), "c" + line, line, PromptResult.OK, "realtime", "answer " + line, "stop",
                new Usage(3, 2, 5), 1, 10, null, null);
    }

    @Test
    void results_go_out_in_journal_order_with_the_senders_headers_and_the_headers_that_name_them() throws Exception {
        Run run = messageRun("{\"prompt\":\"one\"}\n{\"prompt\":\"two\"}\n");
        MockEndpoint out = getMockEndpoint("mock:out");
        out.expectedMessageCount(2);
        out.expectedHeaderValuesReceivedInAnyOrder("llmCustomId", "c2", "c1");

        runs.record(ok(run, 2));
        runs.record(ok(run, 1));
        deliveries.wake(run.id());

        out.assertIsSatisfied();
        Exchange first = out.getExchanges().get(0);
        assertThat(first.getMessage().getHeaders()).containsOnlyKeys("tenant", "JMSCorrelationID", "llmCustomId",
                "llmRunId", "llmStatus", "llmLine", "llmPipeline", Exchange.CONTENT_TYPE);
        assertThat(first.getMessage().getHeader("llmCustomId")).isEqualTo("c2");
        assertThat(first.getMessage().getHeader("llmPipeline")).isEqualTo("llm");
        assertThat(first.getMessage().getBody(String.class)).contains("\"content\":\"answer 2\"");
    }

    @Test
    void a_refused_delivery_is_tried_again_until_it_is_taken_and_then_the_folder_goes() throws Exception {
        Run run = messageRun("{\"prompt\":\"one\"}\n");
        AtomicInteger tries = new AtomicInteger();
        MockEndpoint out = getMockEndpoint("mock:out");
        out.whenAnyExchangeReceived(e -> {
            if (tries.incrementAndGet() <= 3) {
                throw new IllegalStateException("the host's endpoint is down");
            }
        });

        run.lineSeen();
        runs.intakeDone(run.id());
        runs.record(ok(run, 1));
        runs.finish(run.id());
        assertThat(DeliveryCursor.owed(run.workDir())).isTrue();
        deliveries.wake(run.id());

        await().atMost(Duration.ofSeconds(10)).until(() -> !run.workDir().toFile().exists());
        assertThat(tries.get()).isEqualTo(4);
        assertThat(out.getReceivedCounter()).isEqualTo(4);
    }
}
