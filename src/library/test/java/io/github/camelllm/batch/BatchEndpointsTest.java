package io.github.camelllm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Embeddings, responses and chat with tools through the Batch API, end to end against the simulator, whose
 * batches take one endpoint each and check every line's url against it.
 */
class BatchEndpointsTest {

    static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\","
            + "\"parameters\":{\"type\":\"object\"}}}],\"tool_choice\":\"required\"";

    @TempDir
    Path dir;
    PipelineFixture pipeline;

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    PipelineFixture pipeline() {
        pipeline = PipelineFixture.onSimulator(dir, SimulatorConfig.defaults().withBatchStepMs(100)
                        .withLatencyMs(5).withJitterMs(0))
                .with("llm.batch.flush-ms", "300")
                .with("llm.batch.poll-interval-ms", "100");
        return pipeline;
    }

    static final List<String> LINES = List.of(
            "{\"custom_id\":\"vec\",\"mode\":\"batch\",\"method\":\"POST\",\"url\":\"/v1/embeddings\",\"body\":{"
                    + "\"model\":\"text-embedding-3-small\",\"input\":[\"alpha\",\"beta\"],\"dimensions\":8}}",
            "{\"custom_id\":\"resp\",\"mode\":\"batch\",\"method\":\"POST\",\"url\":\"/v1/responses\",\"body\":{"
                    + "\"model\":\"gpt-4.1\",\"input\":\"What is 2+2?\"}}",
            "{\"custom_id\":\"tool\",\"mode\":\"batch\",\"prompt\":\"find Oslo\",\"body\":{" + TOOLS + ",\"n\":2}}",
            "{\"custom_id\":\"chat\",\"mode\":\"batch\",\"prompt\":\"hello\"}");

    static Map<String, JsonNode> byCustomId(List<JsonNode> results) {
        return results.stream().collect(Collectors.toMap(r -> r.path("custom_id").asText(), Function.identity()));
    }

    @Test
    void each_endpoint_gets_its_own_batch_and_each_result_keeps_its_whole_answer() throws Exception {
        pipeline().start();
        OpenAiSimulator sim = pipeline.simulator();
        RunSummary summary = pipeline.run(pipeline.write("mixed.jsonl", LINES));

        assertThat(summary.succeeded()).isEqualTo(4);
        assertThat(summary.batch()).isEqualTo(4);
        assertThat(sim.batchesCreated()).as("chat, embeddings, responses").isEqualTo(3);
        Map<String, JsonNode> results = byCustomId(pipeline.results("mixed"));
        assertThat(results.values()).allSatisfy(r -> assertThat(r.path("route").asText()).isEqualTo("batch"));
        JsonNode vec = results.get("vec");
        assertThat(vec.path("embeddings")).hasSize(2);
        assertThat(vec.at("/embeddings/0")).hasSize(8);
        assertThat(vec.at("/usage/completion_tokens").asLong()).isZero();
        assertThat(results.get("resp").path("content").asText()).isEqualTo("echo: What is 2+2?");
        assertThat(results.get("resp").at("/output/0/type").asText()).isEqualTo("message");
        JsonNode tool = results.get("tool");
        assertThat(tool.path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(tool.at("/tool_calls/0/function/name").asText()).isEqualTo("lookup");
        assertThat(tool.at("/tool_calls/0/function/arguments").asText()).isEqualTo("{\"text\":\"find Oslo\"}");
        assertThat(tool.path("choices")).hasSize(2);
        assertThat(results.get("chat").path("content").asText()).isEqualTo("echo: hello");
    }

    @Test
    void the_openai_batch_format_reads_the_same_for_batch_and_real_time_answers() throws Exception {
        pipeline().with("llm.output.format", "openai-batch").start();
        List<String> lines = new java.util.ArrayList<>(LINES);
        lines.add("{\"custom_id\":\"now\",\"mode\":\"realtime\",\"url\":\"/v1/embeddings\",\"body\":{\"model\":"
                + "\"text-embedding-3-small\",\"input\":\"gamma\",\"dimensions\":4}}");
        lines.add("{\"custom_id\":\"bad\",\"prompt\":\"x\",\"max_token\":3}");
        RunSummary summary = pipeline.run(pipeline.write("shape.jsonl", lines));

        assertThat(summary.succeeded()).isEqualTo(5);
        Map<String, JsonNode> results = byCustomId(pipeline.results("shape"));
        assertThat(results).hasSize(6);
        for (String id : List.of("vec", "resp", "tool", "chat", "now")) {
            JsonNode line = results.get(id);
            assertThat(line.path("id").asText()).as(id).startsWith("batch_req_");
            assertThat(line.at("/response/status_code").asInt()).as(id).isEqualTo(200);
            assertThat(line.path("error").isNull()).as(id).isTrue();
        }
        assertThat(results.get("vec").at("/response/body/object").asText()).isEqualTo("list");
        assertThat(results.get("vec").at("/response/body/data/1/embedding")).hasSize(8);
        assertThat(results.get("now").at("/response/body/data/0/embedding")).hasSize(4);
        assertThat(results.get("resp").at("/response/body/object").asText()).isEqualTo("response");
        assertThat(results.get("tool").at("/response/body/choices")).hasSize(2);
        assertThat(results.get("bad").path("response").isNull()).isTrue();
        assertThat(results.get("bad").at("/error/message").asText()).contains("unknown field \"max_token\"");
    }
}
