package io.github.camelllm.flow;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.github.camelllm.PipelineFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The inbox service holds its prompts through a fault no retry fixes, and resumes by itself once it clears. */
class ServiceHoldTest {

    static final String CHAT = "/v1/chat/completions";

    @TempDir
    Path tmp;
    WireMockServer server;
    PipelineFixture pipeline;

    @BeforeEach
    void setUp() {
        server = new WireMockServer(options().dynamicPort().containerThreads(60));
        server.start();
        pipeline = new PipelineFixture(tmp, "http://127.0.0.1:" + server.port() + "/v1")
                .with("llm.inbox.enabled", "true").with("llm.faults.probe-interval-ms", "500")
                .with("llm.concurrency", "5");
    }

    @AfterEach
    void tearDown() {
        pipeline.close();
        server.stop();
    }

    @Test
    void an_empty_account_pauses_the_service_and_a_top_up_resumes_it() throws Exception {
        server.stubFor(post(urlEqualTo(CHAT)).willReturn(aResponse().withStatus(429)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and "
                        + "billing details.\",\"type\":\"insufficient_quota\",\"param\":null,"
                        + "\"code\":\"insufficient_quota\"}}")));
        pipeline.start();
        CallGate gate = pipeline.app().context().getRegistry().lookupByNameAndType("callGate", CallGate.class);
        Files.createDirectories(pipeline.inbox);
        Files.writeString(pipeline.inbox.resolve("first.jsonl"), PipelineFixture.prompts(40));

        IntakeHoldPolicy hold = pipeline.app().context().getRegistry()
                .lookupByNameAndType("intakeHold", IntakeHoldPolicy.class);
        await().atMost(20, TimeUnit.SECONDS).until(() -> !gate.healthy() && hold.holding());
        Files.writeString(pipeline.inbox.resolve("second.jsonl"), PipelineFixture.prompts(30));
        // a few probes go out meanwhile; the prompts are held, not turned into errors
        await().atMost(10, TimeUnit.SECONDS).until(() -> server.getAllServeEvents().size() >= 8);
        assertThat(Files.exists(pipeline.outbox.resolve("first.results.jsonl"))).isFalse();
        assertThat(server.getAllServeEvents().size()).as("calls while out of credit").isLessThan(30);

        server.resetAll();
        server.stubFor(post(urlEqualTo(CHAT)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody(FaultsAndOutagesTest.completion("topped up"))));

        await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(pipeline.outbox.resolve("first.summary.json"))
                && Files.exists(pipeline.outbox.resolve("second.summary.json")));
        assertThat(pipeline.summary("first").get("succeeded").asInt()).isEqualTo(40);
        assertThat(pipeline.summary("second").get("succeeded").asInt()).isEqualTo(30);
        assertThat(gate.healthy()).isTrue();
        assertThat(hold.holding()).isFalse();
    }
}
