package io.github.camelllm;

import io.github.camelllm.config.Settings;
import io.github.camelllm.model.LlmConstants;

import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The pipeline inside a host's own CamelContext, as a host application uses it: its settings from the host's
 * properties, two pipelines side by side against two servers, and the host's own routes and beans untouched.
 */
class EmbeddingTest {

    @TempDir
    Path tmp;

    final OpenAiSimulator openai = new OpenAiSimulator(SimulatorConfig.defaults().withPort(0).withLatencyMs(30));
    final OpenAiSimulator local = new OpenAiSimulator(SimulatorConfig.defaults().withPort(0).withLatencyMs(30));
    final CamelContext host = new DefaultCamelContext();

    @AfterEach
    void stop() {
        host.stop();
        openai.close();
        local.close();
    }

    /** The host's properties: what its application.properties (or Spring Environment) would hold. */
    Properties hostProperties() {
        Properties p = new Properties();
        p.setProperty("llm.openai.base-url", openai.baseUrl());
        p.setProperty("llm.openai.api-key", "sk-openai-test");
        p.setProperty("llm.openai.concurrency", "2");
        p.setProperty("llm.openai.outbox", tmp.resolve("openai/outbox").toString());
        p.setProperty("llm.openai.output.uri", "mock:openai-answers");
        p.setProperty("llm.local.base-url", local.baseUrl());
        p.setProperty("llm.local.model", "llama-3");
        p.setProperty("llm.local.concurrency", "5");
        p.setProperty("llm.local.outbox", tmp.resolve("local/outbox").toString());
        p.setProperty("llm.local.output.uri", "mock:local-answers");
        return p;
    }

    /** A host with names a pipeline must not take: a route "results", a bean "results", a direct:dispatch. */
    void hostRoutes() throws Exception {
        host.getRegistry().bind("results", "the host's own bean");
        host.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:results").routeId("results").setBody(constant("host results"));
                from("direct:dispatch").routeId("dispatch").setBody(constant("host dispatch"));
            }
        });
    }

    @Test
    void two_pipelines_in_one_host_keep_their_own_servers_limits_journals_and_names() throws Exception {
        openai.start();
        local.start();
        host.getPropertiesComponent().setInitialProperties(hostProperties());
        hostRoutes();
        LlmPipeline first = LlmPipeline.named("openai").addTo(host);
        LlmPipeline second = LlmPipeline.named("local").addTo(host);
        host.start();

        MockEndpoint openaiAnswers = host.getEndpoint("mock:openai-answers", MockEndpoint.class);
        MockEndpoint localAnswers = host.getEndpoint("mock:local-answers", MockEndpoint.class);
        openaiAnswers.expectedMessageCount(20);
        localAnswers.expectedMessageCount(30);
        ProducerTemplate producer = host.createProducerTemplate();
        producer.sendBody(first.inputUri(), jsonl(20, "a"));
        producer.sendBody(second.inputUri(), jsonl(30, "b"));
        MockEndpoint.assertIsSatisfied(host, 20, java.util.concurrent.TimeUnit.SECONDS);

        assertThat(first.inputUri()).isEqualTo("direct:openai-prompts");
        assertThat(openai.chatCompletions()).isEqualTo(20);
        assertThat(local.chatCompletions()).isEqualTo(30);
        assertThat(openai.peakInFlight()).as("openai's concurrency").isLessThanOrEqualTo(2);
        assertThat(local.peakInFlight()).as("local's concurrency").isLessThanOrEqualTo(5).isGreaterThan(2);
        assertThat(statuses(openaiAnswers)).containsOnly("ok");
        assertThat(statuses(localAnswers)).containsOnly("ok");

        // each pipeline journals under its own work folder (next to its own outbox)
        assertThat(first.runs().workRoot()).isEqualTo(tmp.resolve("openai/work").toAbsolutePath());
        assertThat(second.runs().workRoot()).isEqualTo(tmp.resolve("local/work").toAbsolutePath());

        // the host's names are its own
        assertThat(host.getRegistry().lookupByName("results")).isEqualTo("the host's own bean");
        assertThat(producer.requestBody("direct:results", "x")).isEqualTo("host results");
        assertThat(producer.requestBody("direct:dispatch", "x")).isEqualTo("host dispatch");
        assertThat(host.getRoutes()).extracting(r -> r.getRouteId())
                .filteredOn(id -> !id.equals("results") && !id.equals("dispatch"))
                .allMatch(id -> id.startsWith("openai-") || id.startsWith("local-"));
    }

    @Test
    void a_pipeline_added_to_a_running_context_starts_its_routes_and_answers() throws Exception {
        local.start();
        host.start();
        LlmPipeline late = LlmPipeline.named("late")
                .set("base-url", local.baseUrl())
                .set("outbox", tmp.resolve("late/outbox").toString())
                .set("output.uri", "mock:late-answers")
                .addTo(host);
        MockEndpoint answers = host.getEndpoint("mock:late-answers", MockEndpoint.class);
        answers.expectedMessageCount(3);

        host.createProducerTemplate().sendBody(late.inputUri(), jsonl(3, "c"));

        answers.assertIsSatisfied(20_000);
        assertThat(statuses(answers)).containsOnly("ok");
        assertThat(host.getRouteController().getRouteStatus("late-chat").isStarted()).isTrue();
    }

    @Test
    void a_pipeline_without_an_api_is_refused_with_its_property_names() {
        assertThatThrownBy(() -> LlmPipeline.named("nowhere").addTo(host))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("llm.nowhere.base-url").hasMessageContaining("llm.nowhere.api-key");
    }

    @Test
    void a_misspelt_or_bad_host_property_names_the_property() {
        Properties p = new Properties();
        p.setProperty("llm.openai.base-url", "http://localhost:1/v1");
        p.setProperty("llm.openai.concurency", "4");
        host.getPropertiesComponent().setInitialProperties(p);
        assertThatThrownBy(() -> LlmPipeline.named("openai").addTo(host))
                .hasMessageContaining("llm.openai.concurency").hasMessageContaining("llm.openai.concurrency")
                .hasMessageContaining("initial properties");

        p.remove("llm.openai.concurency");
        p.setProperty("llm.openai.concurrency", "0");
        assertThatThrownBy(() -> LlmPipeline.named("openai").addTo(host))
                .hasMessageStartingWith("llm.openai.concurrency must be between 1 and 100000, got 0");
    }

    /** A Spring Environment as Camel Spring Boot's registry shows it: values Camel reads but cannot list. */
    public record FakeEnvironment(List<FakePropertySource> getPropertySources) {
    }

    public record FakePropertySource(String[] getPropertyNames) {
    }

    @Test
    void a_misspelt_property_of_a_spring_environment_is_refused_and_a_relaxed_spelling_is_not() {
        Properties p = new Properties();
        p.setProperty("llm.openai.base-url", "http://localhost:1/v1");
        host.getPropertiesComponent().setInitialProperties(p);
        host.getRegistry().bind("environment", new FakeEnvironment(List.of(
                new FakePropertySource(new String[] {"server.port", "llm.openai.retry.maxAttempts"}),
                new FakePropertySource(new String[] {"llm.openai.concurency"}))));
        assertThatThrownBy(() -> LlmPipeline.named("openai").addTo(host))
                .hasMessageContaining("llm.openai.concurency").hasMessageContaining("llm.openai.concurrency")
                .hasMessageContaining("Spring Environment");

        host.getRegistry().bind("environment", new FakeEnvironment(List.of(
                new FakePropertySource(new String[] {"llm.openai.retry.max_attempts", "llm.openai.model",
                        "llm.retry.maxAttempts"}))));
        assertThat(LlmPipeline.named("openai").addTo(host).inputUri()).isEqualTo("direct:openai-prompts");
    }

    @Test
    void a_name_that_cannot_prefix_names_is_refused() {
        assertThatThrownBy(() -> LlmPipeline.named("Open AI")).isInstanceOf(Settings.ConfigException.class);
    }

    static String jsonl(int n, String tag) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append("{\"custom_id\":\"").append(tag).append(i).append("\",\"prompt\":\"Say ").append(tag)
                    .append(i).append("\"}\n");
        }
        return sb.toString();
    }

    static List<String> statuses(MockEndpoint answers) {
        return answers.getExchanges().stream()
                .map((Exchange e) -> e.getMessage().getHeader(LlmConstants.STATUS_HEADER, String.class)).toList();
    }
}
