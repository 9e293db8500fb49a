package io.github.camelllm.app;

import io.github.camelllm.PipelineFixture;

import io.github.camelllm.app.ApiChoice;
import io.github.camelllm.app.Launcher;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.config.Settings.ConfigException;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The built-in simulator answers only when asked for, and everything it answered says so. */
class SimulatorChoiceTest {

    static final Map<String, String> NO_API = Map.of();

    @TempDir
    Path tmp;
    PrintStream originalErr;
    ByteArrayOutputStream stderr;

    @BeforeEach
    void captureStderr() {
        originalErr = System.err;
        stderr = new ByteArrayOutputStream();
        System.setErr(new PrintStream(stderr, true));
    }

    @AfterEach
    void restoreStderr() {
        System.setErr(originalErr);
    }

    /** A pipeline whose built-in simulator (when it is used) answers at once and never fails. */
    PipelineFixture fastSimulator(String baseUrl) {
        return new PipelineFixture(tmp, baseUrl).startedBy(AppPipeline::start).with("llm.simulator.latency-ms", "1")
                .with("llm.simulator.jitter-ms", "0").with("llm.simulator.rate-429", "0")
                .with("llm.simulator.rate-500", "0");
    }

    /** The settings of a run without any API configured. */
    Map<String, String> fastSimulator() {
        return new HashMap<>(fastSimulator(null).overrides());
    }

    @Test
    void run_FILE_without_an_API_uses_the_simulator_with_a_banner_and_marks_every_result() throws Exception {
        Path file = Files.writeString(tmp.resolve("quick.jsonl"), PipelineFixture.prompts(4));
        assertThat(Launcher.oneShot(file, fastSimulator(), NO_API, false)).isEqualTo(Launcher.OK);

        assertThat(stderr.toString()).contains("SIMULATED ANSWERS").contains("run --simulator FILE");
        assertEveryResultSimulated("quick");
    }

    @Test
    void run_with_simulator_uses_it_even_when_a_key_is_set() throws Exception {
        Path file = Files.writeString(tmp.resolve("chosen.jsonl"), PipelineFixture.prompts(3));
        assertThat(Launcher.oneShot(file, fastSimulator(), Map.of("OPENAI_API_KEY", "sk-unused"), true))
                .isEqualTo(Launcher.OK);
        assertEveryResultSimulated("chosen");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void service_mode_without_an_API_is_a_configuration_error() {
        assertThat(Launcher.run(new String[0], NO_API)).isEqualTo(Launcher.USAGE);
        assertThat(stderr.toString()).contains("configuration error: no API to call")
                .contains("OPENAI_API_KEY").contains("llm.base-url=simulator").contains("run --simulator FILE");
    }

    @Test
    void embedded_start_without_an_API_throws_naming_the_key_and_the_explicit_choice() {
        assertThatThrownBy(() -> PipelineApp.start(fastSimulator(), NO_API, PipelineApp.Mode.SERVICE))
                .isInstanceOf(ConfigException.class).hasMessage(ApiChoice.NO_API);
    }

    @Test
    void embedded_start_with_base_url_simulator_is_simulated_and_keeps_the_key_out_of_the_routes() throws Exception {
        try (PipelineFixture pipeline = fastSimulator("simulator").with("llm.api-key", "sk-never-in-camel")
                .withEnvironment(NO_API)) {
            PipelineApp app = ((AppPipeline) pipeline.start()).app();
            assertThat(app.simulator()).isNotNull();
            assertThat(app.config().api().baseUrl()).isEqualTo(app.simulator().baseUrl());
            assertThat(app.settings().source("llm.base-url")).isEqualTo("set by the application's code, over every "
                    + "property");
            // the routes are given every setting but the secrets
            assertThat(app.settings().templateParameters()).doesNotContainKey("llm.api-key")
                    .doesNotContainValue("sk-never-in-camel");
            var model = app.context().getCamelContextExtension()
                    .getContextPlugin(org.apache.camel.model.Model.class);
            assertThat(model.getRouteDefinitions()).allSatisfy(route -> {
                assertThat(route.getTemplateParameters() == null ? "" : route.getTemplateParameters().toString())
                        .doesNotContain("sk-never-in-camel");
                assertThat(route.toString()).doesNotContain("sk-never-in-camel");
            });

            Path file = Files.writeString(tmp.resolve("embedded.jsonl"), PipelineFixture.prompts(2));
            RunSummary summary = app.submitFile(file).get(60, TimeUnit.SECONDS);
            assertThat(summary.simulated()).isTrue();
        }
        assertEveryResultSimulated("embedded");
    }

    /** The application owns its context: its pipeline's broker component is also Camel's plain jms. */
    @Test
    void the_applications_broker_queues_are_plain_jms_endpoints() throws Exception {
        try (PipelineFixture pipeline = fastSimulator("simulator").with("llm.broker.url", "tcp://127.0.0.1:1")
                .withEnvironment(NO_API)) {
            PipelineApp app = ((AppPipeline) pipeline.start()).app();
            assertThat(app.context().getComponent("jms")).isSameAs(app.context().getComponent("llm-jms"));
        }
    }

    private void assertEveryResultSimulated(String name) throws IOException {
        List<String> lines = Files.readAllLines(tmp.resolve("outbox/" + name + ".results.jsonl"));
        assertThat(lines).isNotEmpty();
        for (String line : lines) {
            assertThat(PipelineFixture.JSON.readTree(line).path("simulated").asBoolean()).as(line).isTrue();
        }
        JsonNode summary = PipelineFixture.JSON.readTree(tmp.resolve("outbox/" + name + ".summary.json").toFile());
        assertThat(summary.path("simulated").asBoolean()).isTrue();
    }
}
