package io.github.camelllm.flow;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** An account that runs out of credit after N answers, played by the simulator: N ok, the rest stop at once. */
class EmptyAccountTest {

    @TempDir
    Path tmp;

    @Test
    void out_of_credit_after_n_answers_ends_with_n_ok_and_the_rest_in_the_failed_file() throws Exception {
        int n = 150;
        try (OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withPort(0).withLatencyMs(20)
                .withQuotaAfter(n));
             PipelineFixture pipeline = new PipelineFixture(tmp, baseUrlOf(sim)).with("llm.concurrency", "20")) {
            pipeline.start();
            RunSummary summary = pipeline.app().submitFile(pipeline.write("credit.jsonl",
                    PipelineFixture.prompts(5000))).get(60, TimeUnit.SECONDS);

            assertThat(summary.succeeded()).isEqualTo(n);
            assertThat(summary.failed()).isEqualTo(5000 - n);
            assertThat(sim.quotaRejections()).as("calls refused for credit: about the calls in flight").isLessThanOrEqualTo(40);
            List<String> failed = Files.readAllLines(pipeline.outbox.resolve("credit.failed.jsonl"));
            assertThat(failed).hasSize(5000 - n);
            List<JsonNode> errors = pipeline.results("credit").stream()
                    .filter(r -> !r.get("status").asText().equals("ok")).toList();
            assertThat(errors).allSatisfy(r -> assertThat(r.get("error").get("type").asText())
                    .isEqualTo("insufficient_quota"));
            assertThat(errors).anySatisfy(r -> assertThat(r.get("error").get("message").asText())
                    .contains("out of credit"));
        }
    }

    static String baseUrlOf(OpenAiSimulator sim) {
        sim.start();
        return sim.baseUrl();
    }
}
