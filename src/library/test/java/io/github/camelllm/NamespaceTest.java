package io.github.camelllm;

import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.config.Settings.ConfigException;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One namespace for every pipeline of a host: {@code llm.x} is the default pipeline's and the shared value,
 * {@code llm.NAME.x} pipeline NAME's; anything else under {@code llm.} is refused from whichever source it came,
 * and other tools' {@code LLM_*} variables are left alone.
 */
class NamespaceTest {

    @TempDir
    Path tmp;

    final CamelContext host = new DefaultCamelContext();

    @AfterEach
    void stop() {
        host.stop();
        System.clearProperty("llm.openai.concurency");
        System.clearProperty("llm.retry.max-attempts");
    }

    void hostProperties(String... keyValues) {
        Properties p = new Properties();
        for (int i = 0; i < keyValues.length; i += 2) {
            p.setProperty(keyValues[i], keyValues[i + 1]);
        }
        host.getPropertiesComponent().setInitialProperties(p);
    }

    LlmPipeline pipeline(String name) {
        return LlmPipeline.named(name).environment(Map.of())
                .set("outbox", tmp.resolve(name + "/outbox").toString());
    }

    @Test
    void a_named_pipeline_reads_its_own_key_then_the_shared_one_then_the_default() {
        hostProperties("llm.base-url", "http://localhost:1/v1", "llm.concurrency", "7", "llm.model", "shared-model",
                "llm.openai.concurrency", "3", "llm.openai.retry.max-attempts", "2");
        LlmPipeline openai = pipeline("openai").addTo(host);
        LlmPipeline local = pipeline("local").set("model", "from-code").addTo(host);

        PipelineConfig o = openai.config();
        assertThat(o.calls().concurrency()).isEqualTo(3);
        assertThat(o.retry().maxAttempts()).isEqualTo(2);
        assertThat(o.api().model()).isEqualTo("shared-model");
        assertThat(o.api().baseUrl()).isEqualTo("http://localhost:1/v1");
        assertThat(o.retry().maxDelay()).isEqualTo(Duration.ofSeconds(8)); // the default in code
        assertThat(openai.settings().source("llm.concurrency")).isEqualTo("initial properties");
        assertThat(openai.settings().source("llm.model")).isEqualTo("initial properties, shared by every pipeline");

        PipelineConfig l = local.config();
        assertThat(l.calls().concurrency()).isEqualTo(7);
        assertThat(l.retry().maxAttempts()).isEqualTo(5);
        // the pipeline's code comes before the shared property, after the pipeline's own property
        assertThat(l.api().model()).isEqualTo("from-code");
        // defaults that would clash are each pipeline's own
        assertThat(o.input().uri()).isEqualTo("direct:openai-prompts");
        assertThat(l.input().uri()).isEqualTo("direct:local-prompts");
        assertThat(o.queue().uri()).startsWith("seda:openai-realtime");
    }

    @Test
    void a_bad_value_names_the_property_it_was_read_from() {
        hostProperties("llm.base-url", "http://localhost:1/v1", "llm.concurrency", "0");
        assertThatThrownBy(() -> pipeline("openai").addTo(host)).isInstanceOf(ConfigException.class)
                .hasMessage("llm.concurrency must be between 1 and 100000, got 0 (from initial properties, shared by "
                        + "every pipeline)");
        hostProperties("llm.base-url", "http://localhost:1/v1", "llm.openai.output.order", "random");
        assertThatThrownBy(() -> pipeline("openai").addTo(host))
                .hasMessage("llm.openai.output.order must be one of ordered, streamed, got 'random' (from initial "
                        + "properties)");
    }

    @Test
    void an_unknown_key_is_refused_naming_its_source_from_a_file() throws Exception {
        Path file = Files.writeString(tmp.resolve("host.properties"),
                "llm.base-url=http://localhost:1/v1\nllm.openai.concurency=4\n");
        host.getPropertiesComponent().setLocation("file:" + file);
        assertThatThrownBy(() -> pipeline("openai").addTo(host)).isInstanceOf(ConfigException.class)
                .hasMessage("unknown setting llm.openai.concurency (from " + file
                        + "); did you mean llm.openai.concurrency?");
    }

    @Test
    void an_unknown_key_is_refused_naming_its_source_from_a_system_property() {
        hostProperties("llm.base-url", "http://localhost:1/v1");
        System.setProperty("llm.openai.concurency", "4");
        assertThatThrownBy(() -> pipeline("openai").addTo(host))
                .hasMessage("unknown setting llm.openai.concurency (from -Dllm.openai.concurency); did you mean "
                        + "llm.openai.concurrency?");
    }

    @Test
    void an_unknown_key_is_refused_naming_its_source_from_override_properties() {
        hostProperties("llm.base-url", "http://localhost:1/v1");
        Properties override = new Properties();
        override.setProperty("llm.retry.max-atempts", "3");
        host.getPropertiesComponent().setOverrideProperties(override);
        assertThatThrownBy(() -> pipeline("llm").addTo(host))
                .hasMessage("unknown setting llm.retry.max-atempts (from override properties); did you mean "
                        + "llm.retry.max-attempts?");
    }

    @Test
    void an_unknown_key_is_refused_naming_its_source_from_a_spring_environment() {
        hostProperties("llm.base-url", "http://localhost:1/v1");
        host.getRegistry().bind("environment", new EmbeddingTest.FakeEnvironment(List.of(
                new EmbeddingTest.FakePropertySource(new String[] {"llm.openai.concurency"}))));
        assertThatThrownBy(() -> pipeline("openai").addTo(host))
                .hasMessage("unknown setting llm.openai.concurency (from Spring Environment (FakePropertySource)); "
                        + "did you mean llm.openai.concurrency?");
    }

    @Test
    void a_misspelt_environment_variable_is_refused_and_another_tools_is_left_alone() {
        hostProperties("llm.base-url", "http://localhost:1/v1");
        assertThatThrownBy(() -> LlmPipeline.named("openai").environment(Map.of("LLM_CONCURENCY", "4"))
                .addTo(host)).isInstanceOf(ConfigException.class)
                .hasMessage("unknown setting LLM_CONCURENCY (environment variable); did you mean LLM_CONCURRENCY?");
        assertThatThrownBy(() -> LlmPipeline.named("openai").environment(Map.of("LLM_OPENAI_CONCURENCY", "4"))
                .addTo(host))
                .hasMessage("unknown setting LLM_OPENAI_CONCURENCY (environment variable, under pipeline openai); "
                        + "did you mean LLM_OPENAI_CONCURRENCY?");

        // another tool's variables, and a setting of a pipeline this host does not have
        LlmPipeline openai = LlmPipeline.named("openai").environment(Map.of("LLM_PROVIDER", "anthropic",
                "LLM_API_BASE", "http://elsewhere", "LLM_DEFAULT_MODEL", "x", "LLM_MODEL_NAME", "y"))
                .set("outbox", tmp.resolve("openai/outbox").toString()).addTo(host);
        host.start();
        assertThat(openai.config().api().model()).isEqualTo("gpt-4o-mini");
    }

    @Test
    void a_setting_of_a_pipeline_the_context_does_not_have_is_refused_when_it_starts() {
        hostProperties("llm.base-url", "http://localhost:1/v1", "llm.opneai.concurrency", "4");
        pipeline("openai").addTo(host); // llm.opneai.* could still be a pipeline added after this one
        assertThatThrownBy(host::start).hasMessageContaining("llm.opneai.concurrency (from initial properties) is a "
                + "setting of pipeline opneai, but this CamelContext has no pipeline of that name (its pipelines: "
                + "openai); did you mean llm.openai.concurrency?");
    }

    @ParameterizedTest
    @ValueSource(strings = {"retry", "batch", "inbox", "output", "pipelines", "base-url"})
    void a_pipeline_cannot_be_named_after_a_section_of_the_settings(String name) {
        assertThatThrownBy(() -> LlmPipeline.named(name)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("a pipeline cannot be named '" + name + "'");
    }

    @Test
    void two_pipelines_cannot_share_an_inherited_endpoint_or_work_folder() {
        hostProperties("llm.base-url", "http://localhost:1/v1", "llm.input.uri", "direct:questions");
        pipeline("first").addTo(host);
        assertThatThrownBy(() -> pipeline("second").addTo(host))
                .hasMessage("llm.second.input.uri is direct:questions, as for pipeline first: two pipelines of one "
                        + "context cannot share it; set llm.second.input.uri (or llm.first.input.uri)");

        CamelContext other = new DefaultCamelContext();
        try {
            Properties p = new Properties();
            p.setProperty("llm.base-url", "http://localhost:1/v1");
            p.setProperty("llm.work-dir", tmp.resolve("work").toString());
            other.getPropertiesComponent().setInitialProperties(p);
            pipeline("first").addTo(other);
            assertThatThrownBy(() -> pipeline("second").addTo(other))
                    .hasMessageStartingWith("llm.second.work-dir is " + tmp.resolve("work"));
        } finally {
            other.stop();
        }
    }

    @Test
    void a_refused_key_is_reported_with_the_pipelines_own_property() {
        assertThat(PipelineConfig.of(Map.of()).names().apiKey()).isEqualTo("llm.api-key / OPENAI_API_KEY");
        hostProperties("llm.openai.base-url", "http://localhost:1/v1");
        assertThat(pipeline("openai").addTo(host).config().names().apiKey()).isEqualTo("llm.openai.api-key");
    }
}
