package io.github.camelllm;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.SimulatorConfig;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Concurrency, intake of bad lines, the inbox and the message entry point, on the built-in simulator. */
@EachHttpClient
class PipelineBehaviourTest {

    /** The chat client under test ({@code llm.http.client}). */
    final String httpClient;

    @TempDir
    Path tmp;

    PipelineBehaviourTest(String httpClient) {
        this.httpClient = httpClient;
    }

    @Test
    void the_server_sees_exactly_the_configured_concurrency() throws Exception {
        try (PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withLatencyMs(300))) {
            pipeline.with("llm.concurrency", "50").start();
            RunSummary summary = pipeline.run(pipeline.write("conc.jsonl", PipelineFixture.prompts(400)));
            assertThat(summary.succeeded()).isEqualTo(400);
            assertThat(pipeline.simulator().peakInFlight()).isEqualTo(50);
        }
    }

    @Test
    void bad_lines_become_invalid_records_and_the_rest_is_processed() throws Exception {
        try (PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withLatencyMs(5))) {
            pipeline.with("llm.input.max-line-bytes", "200").start();
            String input = String.join("\n",
                    "{\"custom_id\":\"a\",\"prompt\":\"fine\"}",
                    "{\"custom_id\":\"b\",\"prompt\": broken",
                    "[1,2,3]",
                    "{\"custom_id\":\"c\"}",
                    "",
                    "{\"custom_id\":\"a\",\"prompt\":\"same id again\"}",
                    "{\"custom_id\":\"d\",\"prompt\":\"" + "x".repeat(300) + "\"}",
                    "{\"custom_id\":\"e\",\"prompt\":\"fine too\",\"mode\":\"sometimes\"}",
                    "{\"custom_id\":\"f\",\"prompt\":\"last\"}") + "\n";
            byte[] bytes = (input + "{\"custom_id\":\"g\",\"prompt\":\"caf\u00e9 ").getBytes("UTF-8");
            byte[] withBadByte = new byte[bytes.length + 3];
            System.arraycopy(bytes, 0, withBadByte, 0, bytes.length);
            withBadByte[bytes.length] = (byte) 0xC3; // a lone lead byte: not UTF-8
            withBadByte[bytes.length + 1] = '"';
            withBadByte[bytes.length + 2] = '}';
            Path file = tmp.resolve("in/bad.jsonl");
            Files.createDirectories(file.getParent());
            Files.write(file, withBadByte);

            RunSummary summary = pipeline.run(file);
            List<JsonNode> results = pipeline.results("bad");
            assertThat(results).extracting(r -> r.get("line").asInt()).containsExactly(1, 2, 3, 4, 6, 7, 8, 9, 10);
            assertThat(results).extracting(r -> r.get("status").asText())
                    .containsExactly("ok", "invalid", "invalid", "invalid", "invalid", "invalid", "invalid", "ok", "invalid");
            assertThat(results.get(1).get("error").get("message").asText()).startsWith("malformed JSON");
            assertThat(results.get(2).get("error").get("message").asText()).contains("expected a JSON object").contains("array");
            assertThat(results.get(3).get("error").get("message").asText()).contains("no prompt");
            assertThat(results.get(4).get("error").get("type").asText()).isEqualTo("duplicate_custom_id");
            assertThat(results.get(5).get("error").get("message").asText()).contains("over the limit llm.input.max-line-bytes=200");
            assertThat(results.get(6).get("error").get("message").asText()).contains("\"mode\"");
            assertThat(results.get(8).get("error").get("message").asText()).contains("not valid UTF-8");
            assertThat(summary.invalid()).isEqualTo(7);
            assertThat(summary.succeeded()).isEqualTo(2);
        }
    }

    @Test
    void text_files_have_one_prompt_per_line() throws Exception {
        try (PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withLatencyMs(5))) {
            pipeline.start();
            pipeline.run(pipeline.write("plain.txt", "first question\n\n  \nsecond question\r\n"));
            List<JsonNode> results = pipeline.results("plain.txt");
            assertThat(results).hasSize(2);
            assertThat(results.get(0).get("custom_id").asText()).isEqualTo("1");
            assertThat(results.get(0).get("content").asText()).isEqualTo("echo: first question");
            assertThat(results.get(1).get("custom_id").asText()).isEqualTo("4");
            assertThat(results.get(1).get("content").asText()).isEqualTo("echo: second question");
        }
    }

    @Test
    void inbox_files_move_to_done_when_their_run_completes() throws Exception {
        try (PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withLatencyMs(20))) {
            pipeline.with("llm.inbox.enabled", "true").start();
            Files.createDirectories(pipeline.inbox);
            Path tmpFile = pipeline.write("drop me.jsonl", PipelineFixture.prompts(30));
            Files.move(tmpFile, pipeline.inbox.resolve("drop me.jsonl"));
            Files.writeString(pipeline.inbox.resolve("binary.jsonl"), "\u0000\u0001\u0002garbage");

            await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(pipeline.inbox.resolve(".done/drop me.jsonl")));
            assertThat(pipeline.inbox.resolve("drop me.jsonl")).doesNotExist();
            assertThat(pipeline.results("drop me")).hasSize(30);
            assertThat(pipeline.summary("drop me").get("succeeded").asInt()).isEqualTo(30);

            await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(pipeline.inbox.resolve(".failed/binary.jsonl")));
            assertThat(Files.readString(pipeline.inbox.resolve(".failed/binary.error.txt"))).contains("binary");
        }
    }

    @Test
    void prompts_sent_as_messages_reach_the_output_endpoint() throws Exception {
        try (PipelineFixture pipeline = onSimulator(SimulatorConfig.defaults().withLatencyMs(5))) {
            pipeline.with("llm.output.uri", "mock:llm-out").start();
            var context = pipeline.app().context();
            MockEndpoint out = context.getEndpoint("mock:llm-out", MockEndpoint.class);
            out.expectedMessageCount(4);
            NotifyBuilder fourDone = new NotifyBuilder(context).from("seda:*").whenDone(4).create();

            var template = pipeline.app().template();
            template.sendBodyAndHeader("direct:llm-prompts", "What is 2+2?", "llmCustomId", "sum");
            template.sendBody("direct:llm-prompts", "{\"custom_id\":\"obj\",\"prompt\":\"hello\"}");
            template.sendBody("direct:llm-prompts",
                    "{\"custom_id\":\"l1\",\"prompt\":\"one\"}\n{\"custom_id\":\"l2\",\"prompt\":\"two\"}\n");

            assertThat(fourDone.matches(20, TimeUnit.SECONDS)).isTrue();
            out.assertIsSatisfied(20_000);
            assertThat(out.getExchanges()).extracting(e -> e.getMessage().getHeader("llmCustomId", String.class))
                    .containsExactlyInAnyOrder("sum", "obj", "l1", "l2");
            var sum = out.getExchanges().stream()
                    .filter(e -> "sum".equals(e.getMessage().getHeader("llmCustomId"))).findFirst().orElseThrow();
            assertThat(sum.getMessage().getHeader("llmStatus", String.class)).isEqualTo("ok");
            assertThat(sum.getMessage().getHeader("llmRunId", String.class)).startsWith("msg-");
            assertThat(PipelineFixture.JSON.readTree(sum.getMessage().getBody(String.class)).get("content").asText())
                    .isEqualTo("echo: What is 2+2?");
        }
    }

    private PipelineFixture onSimulator(SimulatorConfig config) {
        return PipelineFixture.onSimulator(tmp, config).with("llm.http.client", httpClient);
    }
}
