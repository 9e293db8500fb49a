package io.github.camelllm.routes;

import io.github.camelllm.config.OutputOrder;
import io.github.camelllm.config.OnDuplicate;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.ErrorInfo;
import io.github.camelllm.model.PromptResult.Usage;
import io.github.camelllm.run.Results;
import io.github.camelllm.run.Run;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.ExpressionAdapter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 50-results.camel.yaml: every final result is journaled, then wakes its run's delivery; the run's last result writes
 * its outputs first. (What delivery hands on is DeliveryRouteTest's.)
 */
class ResultsRouteTest extends RouteFileTestSupport {

    ResultsRouteTest() {
        super("50-results.camel.yaml", Map.of());
    }

    @TempDir
    Path dir;
    RunRegistry runs;
    /** Results.record's answer when the journal cannot be written (the registry has stopped the run then). */
    volatile boolean journalFails;
    /** The deliveries woken, as what the journal held when each was woken: the custom_ids, in order. */
    final List<String> woken = new CopyOnWriteArrayList<>();
    /** The threads that woke a delivery once its run was complete. */
    final List<String> completeWakers = new CopyOnWriteArrayList<>();

    /** Stands in for the delivery: notes what was journaled when the result's run was woken. */
    public class DeliveryStandIn {
        public void journaled(Exchange exchange) throws java.io.IOException {
            String runId = exchange.getProperty("llmRunId", String.class);
            boolean complete = Files.exists(dir.resolve("work").resolve(runId).resolve("summary.json"));
            if (complete) {
                completeWakers.add(Thread.currentThread().getName());
            }
            woken.add(exchange.getMessage().getHeader("llmCustomId") + (complete ? " (run complete)" : "")
                    + " journaled: " + Files.readString(runs.journalOf(runId)).contains(
                    "\"custom_id\":\"" + exchange.getMessage().getHeader("llmCustomId") + "\""));
        }
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        runs = new RunRegistry(dir.resolve("work"), dir.resolve("outbox"), OutputOrder.ORDERED, OnDuplicate.SKIP);
        registry.bind("llm-runs", runs);
        registry.bind("llm-deliveries", new DeliveryStandIn());
        Results results = new Results(runs);
        registry.bind("llm-results", results);
        Expression recorder = results.recorder();
        registry.bind("llm-record", new ExpressionAdapter() {
            @Override
            public Object evaluate(Exchange exchange) {
                return journalFails ? Results.NOT_JOURNALED : recorder.evaluate(exchange, Object.class);
            }
        });
    }

    @AfterEach
    void closeRuns() {
        runs.close();
    }

    /** A run of two lines whose intake has ended: it completes with its second result. */
    Run twoLineRun() throws Exception {
        Path input = Files.writeString(dir.resolve("two.jsonl"),
                "{\"custom_id\":\"a\",\"prompt\":\"one\"}\n{\"custom_id\":\"b\",\"prompt\":\"two\"}\n");
        Run run = runs.openFile(input, false);
        run.lineSeen();
        run.lineSeen();
        assertThat(runs.intakeDone(run.id())).isFalse();
        return run;
    }

    static PromptResult ok(Run run, long line, String customId) {
        return new PromptResult(run.id(), customId, line, PromptResult.OK, "realtime", "answer " + customId, "stop",
                new Usage(3, 2, 5), 1, 10, null, null);
    }

    @Test
    void each_result_is_journaled_then_wakes_its_delivery_with_the_headers_that_name_it() throws Exception {
        Run run = twoLineRun();

        Exchange first = template.send("direct:llm-result", e -> e.getMessage().setBody(ok(run, 1, "a")));
        template.sendBody("direct:llm-result", PromptResult.error(
                new PromptRequest(run.id(), 2, "b", "m", "{}", null, 1, null), "realtime", 3, 20,
                new ErrorInfo("server_error", "gave up after 3 attempts: HTTP 503", 503), null));

        // the run's outputs are written on a thread of their own, which wakes the delivery once more when done
        await().atMost(Duration.ofSeconds(10)).until(() -> woken.contains("b (run complete) journaled: true"));
        assertThat(woken.get(0)).isEqualTo("a journaled: true");
        assertThat(woken.subList(1, woken.size())).hasSizeBetween(1, 2)
                .allMatch(w -> w.startsWith("b ") && w.endsWith(" journaled: true"));
        assertThat(completeWakers).as("the outputs were written apart from the thread that brought the result")
                .anyMatch(thread -> !thread.equals(Thread.currentThread().getName()));
        assertThat(first.getMessage().getHeader("llmStatus")).isEqualTo("ok");
        assertThat(first.getMessage().getHeader("llmLine")).isEqualTo(1L);
        assertThat(first.getMessage().getBody(String.class)).contains("\"custom_id\":\"a\"")
                .contains("\"content\":\"answer a\"");
    }

    @Test
    void the_last_result_of_a_run_writes_its_outputs_and_completes_it() throws Exception {
        Run run = twoLineRun();
        NotifyBuilder completed = new NotifyBuilder(context).from("direct:llm-result")
                .wereSentTo("direct:llm-run-complete").whenDone(1).create();

        template.sendBody("direct:llm-result", ok(run, 2, "b"));
        assertThat(completed.matches()).as("one line still has no result").isFalse();
        assertThat(run.completion()).isNotDone();

        template.sendBody("direct:llm-result", ok(run, 1, "a"));

        assertThat(completed.matches(10, TimeUnit.SECONDS)).isTrue();
        RunSummary summary = run.completion().get(10, TimeUnit.SECONDS);
        assertThat(summary.succeeded()).isEqualTo(2);
        assertThat(Files.readAllLines(dir.resolve("outbox/two.results.jsonl")))
                .satisfiesExactly(l -> assertThat(l).contains("\"custom_id\":\"a\""),
                        l -> assertThat(l).contains("\"custom_id\":\"b\""));
        assertThat(dir.resolve("outbox/two.summary.json")).exists();
    }

    @Test
    void a_result_that_cannot_be_journaled_goes_no_further() throws Exception {
        Run run = twoLineRun();
        template.sendBody("direct:llm-result", ok(run, 2, "b"));
        journalFails = true;

        Exchange done = template.send("direct:llm-result", e -> e.getMessage().setBody(ok(run, 1, "a")));

        assertThat(done.getException()).as("not a failed call, which would be tried again").isNull();
        assertThat(done.getProperty("llmRecorded")).isEqualTo(Results.NOT_JOURNALED);
        assertThat(woken).as("only b was handed on").containsExactly("b journaled: true");
        assertThat(run.completion()).as("its last result is not in, so the run does not complete").isNotDone();
    }
}
