package io.github.camelllm.flow;

import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.github.camelllm.OpenAiStubs.badGateway;
import static io.github.camelllm.OpenAiStubs.invalidApiKey;
import static io.github.camelllm.OpenAiStubs.ok;
import static io.github.camelllm.OpenAiStubs.quotaExhausted;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The inbox service holds its prompts through a fault no retry fixes, and resumes by itself once it clears. */
class ServiceHoldTest {

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs(options().dynamicPort().containerThreads(60));
    @RegisterExtension
    final PipelineFixture pipeline = new PipelineFixture(api);

    @BeforeEach
    void asAService() {
        pipeline.with("llm.inbox.enabled", "true").with("llm.faults.probe-interval-ms", "500")
                .with("llm.concurrency", "5");
    }

    @Test
    void an_empty_account_pauses_the_service_and_a_top_up_resumes_it() throws Exception {
        api.answerChats(quotaExhausted());
        pipeline.start();
        CallGate gate = pipeline.app().context().getRegistry().lookupByNameAndType("llm-callGate", CallGate.class);
        Files.createDirectories(pipeline.inbox);
        Files.writeString(pipeline.inbox.resolve("first.jsonl"), PipelineFixture.prompts(40));

        IntakeHoldPolicy hold = pipeline.app().context().getRegistry()
                .lookupByNameAndType("llm-intakeHold", IntakeHoldPolicy.class);
        await().atMost(20, TimeUnit.SECONDS).until(() -> !gate.healthy() && hold.holding());
        Files.writeString(pipeline.inbox.resolve("second.jsonl"), PipelineFixture.prompts(30));
        // a few probes go out meanwhile; the prompts are held, not turned into errors
        await().atMost(10, TimeUnit.SECONDS).until(() -> api.calls() >= 8);
        assertThat(Files.exists(pipeline.outbox.resolve("first.results.jsonl"))).isFalse();
        assertThat(api.calls()).as("calls while out of credit").isLessThan(30);

        api.reset();
        api.answerChats(ok("topped up"));

        await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(pipeline.outbox.resolve("first.summary.json"))
                && Files.exists(pipeline.outbox.resolve("second.summary.json")));
        assertThat(pipeline.summary("first").get("succeeded").asInt()).isEqualTo(40);
        assertThat(pipeline.summary("second").get("succeeded").asInt()).isEqualTo(30);
        assertThat(gate.healthy()).isTrue();
        assertThat(hold.holding()).isFalse();
    }

    /**
     * With the prompts ended as errors (stop on faults, or an outage past its time budget) and the inbox on hold,
     * no prompt is left to probe: the gate probes by itself, so the service still resumes when the API is back.
     */
    @Test
    void a_refused_key_in_stop_mode_still_resumes_the_service_once_fixed() throws Exception {
        api.answerChats(invalidApiKey("sk-ab***cd"));
        pipeline.with("llm.faults.on-fatal", "stop").start();
        firstFileFailsThenSecondSucceedsOnceFixed();
    }

    @Test
    void an_outage_past_its_time_budget_ends_the_held_prompts_and_the_service_resumes_by_itself() throws Exception {
        api.answerChats(badGateway());
        pipeline.with("llm.retry.max-outage-ms", "2000").with("llm.retry.max-probe-interval-ms", "500").start();
        firstFileFailsThenSecondSucceedsOnceFixed();
    }

    /** A first file ends as errors and the inbox holds; once the API answers, a second file is done by itself. */
    void firstFileFailsThenSecondSucceedsOnceFixed() throws Exception {
        Files.createDirectories(pipeline.inbox);
        Files.writeString(pipeline.inbox.resolve("first.jsonl"), PipelineFixture.prompts(100));
        await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(pipeline.outbox.resolve("first.summary.json")));
        assertThat(pipeline.summary("first").get("failed").asInt()).isEqualTo(100);
        IntakeHoldPolicy hold = pipeline.app().context().getRegistry()
                .lookupByNameAndType("llm-intakeHold", IntakeHoldPolicy.class);
        await().atMost(5, TimeUnit.SECONDS).until(hold::holding);

        Files.writeString(pipeline.inbox.resolve("second.jsonl"), PipelineFixture.prompts(30));
        api.reset();
        api.answerChats(ok("back"));
        await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(pipeline.outbox.resolve("second.summary.json")));
        assertThat(pipeline.summary("second").get("succeeded").asInt()).isEqualTo(30);
    }
}
