package io.github.camelllm.routes;

import io.github.camelllm.config.OnDuplicate;
import io.github.camelllm.config.OutputOrder;
import io.github.camelllm.delivery.Deliveries;
import io.github.camelllm.intake.Intake;
import io.github.camelllm.intake.PromptParser;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.run.RunRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Predicate;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 10-intake.camel.yaml: a run's lines go one by one through parsing to dispatch, between the two announcements of
 * intake (the run is open; its intake has ended), which name no stage that listens and travel with no line.
 */
class IntakeRouteTest extends RouteFileTestSupport {

    IntakeRouteTest() {
        super("10-intake.camel.yaml", Map.of("llm.input.uri", "direct:llm-prompts"), Set.of("messages", "message-run",
                "intake-lines", "intake-line"));
    }

    @TempDir
    Path dir;
    RunRegistry runs;
    /** What reached the stand-ins, in order: an announcement, or a line (with the announcement it carried). */
    final List<String> seen = new CopyOnWriteArrayList<>();

    @Override
    RouteBuilder standIns() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:llm-intake-events").process(e -> seen.add(
                        e.getMessage().getHeader(LlmConstants.INTAKE_EVENT_HEADER, String.class)));
                from("direct:llm-dispatch").process(e -> seen.add("a prompt, announcing "
                        + e.getMessage().getHeader(LlmConstants.INTAKE_EVENT_HEADER)));
                from("direct:llm-run-complete").process(e -> seen.add("complete"));
            }
        };
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        runs = new RunRegistry(dir.resolve("work"), dir.resolve("outbox"), OutputOrder.ORDERED, OnDuplicate.SKIP);
        Intake intake = new Intake(runs, new PromptParser(Jackson.MAPPER, "gpt-4o-mini"), 1024);
        registry.bind("llm-intake", intake);
        registry.bind("llm-parseLine", (Processor) e -> e.getMessage().setBody(intake.parse(e)));
        registry.bind("llm-deliveries", new Deliveries("llm", runs, "seda:llm-deliver", "", "llm.output.uri",
                Duration.ofSeconds(1), Duration.ofMinutes(1)));
        registry.bind("llm-waitsForReply", (Predicate) e -> e.getPattern().isOutCapable());
        registry.bind("llm-awaitReply", (Processor) e -> seen.add("awaits its reply"));
        registry.bind("llm-runReopened", (Processor) e -> { }); // no broker here
    }

    @AfterEach
    void closeRuns() {
        runs.close();
    }

    @Test
    void the_lines_of_a_run_are_read_between_its_opening_and_the_end_of_its_intake() {
        Exchange done = template.send("direct:llm-prompts", e -> e.getMessage().setBody("Say hello"));

        assertThat(done.getException()).isNull();
        assertThat(seen)
                .containsExactly(LlmConstants.RUN_OPENED, "a prompt, announcing null", LlmConstants.INTAKE_ENDED);
        assertThat(done.getMessage().getHeaders()).as("the caller gets no announcement back")
                .doesNotContainKey(LlmConstants.INTAKE_EVENT_HEADER);
        assertThat(done.getMessage().getBody()).as("the sender's message as it sent it").isEqualTo("Say hello");
        assertThat(done.getMessage().getHeader(LlmConstants.RUN_ID_HEADER, String.class)).startsWith("msg-");
    }

    @Test
    void a_message_is_persisted_before_its_lines_are_read_and_a_waiting_sender_waits_for_its_reply() {
        Exchange done = template.send("direct:llm-prompts", ExchangePattern.InOut, e -> {
            e.getMessage().setBody("Say hello");
            e.getMessage().setHeader("llmMessageId", "m-42");
        });

        assertThat(done.getException()).isNull();
        String runId = done.getProperty(LlmConstants.RUN_ID, String.class);
        assertThat(dir.resolve("work").resolve(runId).resolve("message.json")).exists();
        assertThat(seen).containsExactly(LlmConstants.RUN_OPENED, "a prompt, announcing null",
                LlmConstants.INTAKE_ENDED, "awaits its reply");
    }

    @Test
    void the_same_message_sent_again_is_not_read_again() {
        template.sendBodyAndHeader("direct:llm-prompts", "Say hello", "llmMessageId", "m-7");
        seen.clear();

        Exchange again = template.send("direct:llm-prompts", e -> {
            e.getMessage().setBody("Say hello");
            e.getMessage().setHeader("llmMessageId", "m-7");
        });

        assertThat(again.getProperty(LlmConstants.ACCEPTED)).isEqualTo(Intake.TAKEN);
        assertThat(seen).isEmpty();
    }

    @Test
    void a_run_whose_lines_all_have_their_results_completes_when_its_intake_ends() {
        template.sendBody("direct:llm-prompts", "");

        assertThat(seen).containsExactly(LlmConstants.RUN_OPENED, LlmConstants.INTAKE_ENDED, "complete");
    }
}
