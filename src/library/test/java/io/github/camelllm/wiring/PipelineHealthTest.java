package io.github.camelllm.wiring;

import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static io.github.camelllm.OpenAiStubs.invalidApiKey;
import static io.github.camelllm.OpenAiStubs.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A host with Camel's health checks sees each pipeline's readiness: UP while the API answers, DOWN with the reason
 * while a fault no retry fixes holds the calls, UP again once a probe gets through.
 */
class PipelineHealthTest {

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @RegisterExtension
    final PipelineFixture pipeline = new PipelineFixture(api);

    @Test
    void a_refused_key_makes_the_pipeline_not_ready_until_it_is_fixed() throws Exception {
        api.answerChats(invalidApiKey("sk-ab***cd"));
        pipeline.with("llm.faults.probe-interval-ms", "300").start();

        HealthCheck.Result atStart = readiness();
        assertThat(atStart.getState()).isEqualTo(HealthCheck.State.UP);
        assertThat(atStart.getCheck().getGroup()).isEqualTo("camel-llm-pipeline");
        assertThat(atStart.getDetails()).containsEntry("pipeline", "llm").containsKey("active.runs");
        assertThat(atStart.getCheck().isLiveness()).as("a pipeline waiting for its API is alive").isFalse();

        pipeline.app().template().sendBody("direct:llm-prompts", "{\"custom_id\":\"h1\",\"prompt\":\"hello\"}");

        await().atMost(Duration.ofSeconds(20)).until(() -> readiness().getState() == HealthCheck.State.DOWN);
        assertThat(readiness().getMessage()).hasValueSatisfying(m -> assertThat(m).contains("pipeline llm")
                .contains("a fault no retry fixes"));

        api.reset();
        api.answerChats(ok("fixed"));
        await().atMost(Duration.ofSeconds(20)).until(() -> readiness().getState() == HealthCheck.State.UP);
    }

    private HealthCheck.Result readiness() {
        return HealthCheckHelper.invokeReadiness(pipeline.app().context()).stream()
                .filter(r -> "llm-pipeline-llm".equals(r.getCheck().getId())).findFirst()
                .orElseThrow(() -> new AssertionError("no readiness check llm-pipeline-llm"));
    }
}
