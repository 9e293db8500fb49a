package io.github.camelllm;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.github.camelllm.OpenAiStubs.echo;
import static io.github.camelllm.OpenAiStubs.ok;
import static io.github.camelllm.OpenAiStubs.serverError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Hostile input files and hostile server answers: each gets a specific error, and nothing else is lost. */
@EachHttpClient
class HostileInputTest {

    /** The chat client under test ({@code llm.http.client}). */
    final String httpClient;

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs(options().dynamicPort().containerThreads(40));
    @RegisterExtension
    final PipelineFixture pipeline;

    HostileInputTest(String httpClient) {
        this.httpClient = httpClient;
        this.pipeline = new PipelineFixture(api).with("llm.http.client", httpClient);
    }

    @BeforeEach
    void echoEveryPrompt() {
        api.answerChats(echo());
    }

    @Test
    void answers_that_are_not_chat_completions_become_specific_errors_without_retries() throws Exception {
        api.answerChatsContaining("html please", aResponse().withStatus(200).withBody("<html>gateway page</html>"));
        api.answerChatsContaining("no choices",
                aResponse().withStatus(200).withBody("{\"id\":\"x\",\"object\":\"chat.completion\"}"));
        api.answerChatsContaining("huge",
                aResponse().withStatus(200).withBody("{\"pad\":\"" + "x".repeat(5000) + "\"}"));
        pipeline.with("llm.response.max-bytes", "2000").start();
        pipeline.run(pipeline.write("answers.jsonl", """
                {"custom_id":"a","prompt":"html please"}
                {"custom_id":"b","prompt":"no choices"}
                {"custom_id":"c","prompt":"huge"}
                {"custom_id":"d","prompt":"normal"}
                """));
        List<JsonNode> r = pipeline.results("answers");
        assertThat(r.get(0).get("error").get("type").asText()).isEqualTo("invalid_response");
        assertThat(r.get(0).get("error").get("message").asText()).contains("not JSON").contains("<html>");
        assertThat(r.get(1).get("error").get("message").asText()).contains("no \"choices\"");
        assertThat(r.get(2).get("error").get("message").asText()).contains("llm.response.max-bytes=2000");
        assertThat(r.get(3).get("status").asText()).isEqualTo("ok");
        assertThat(api.chatCalls()).isEqualTo(4); // none of them was retried
    }

    @Test
    void empty_and_binary_files_are_rejected_with_a_reason() throws Exception {
        pipeline.start();
        Path empty = pipeline.write("empty.jsonl", "");
        assertThatThrownBy(() -> pipeline.run(empty)).isInstanceOf(ExecutionException.class)
                .hasMessageContaining("empty.jsonl is empty");
        Path binary = pipeline.root.resolve("in/blob.jsonl");
        Files.write(binary, new byte[]{0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x01});
        assertThatThrownBy(() -> pipeline.run(binary)).hasMessageContaining("binary file");
        Path blank = pipeline.write("blank.txt", "\n   \n\n");
        RunSummary summary = pipeline.run(blank);
        assertThat(summary.total()).isZero();
    }

    @Test
    void odd_file_names_work_in_the_inbox() throws Exception {
        pipeline.with("llm.inbox.enabled", "true").start();
        Files.createDirectories(pipeline.inbox);
        String longName = "l".repeat(230) + ".jsonl";
        String[] names = {"with spaces & (parens).jsonl", "ünïcødé-日本語.jsonl", longName};
        for (int i = 0; i < names.length; i++) {
            Path staged = pipeline.write("stage-" + i, PipelineFixture.prompts(3 + i));
            Files.move(staged, pipeline.inbox.resolve(names[i]));
        }
        for (String name : names) {
            await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(pipeline.inbox.resolve(".done").resolve(name)));
        }
        assertThat(pipeline.results("with spaces & (parens)")).hasSize(3);
        assertThat(pipeline.results("ünïcødé-日本語")).hasSize(4);
        try (var files = Files.list(pipeline.outbox)) {
            List<Path> longOnes = files.filter(p -> p.getFileName().toString().startsWith("lll")
                    && p.getFileName().toString().endsWith(".results.jsonl")).toList();
            assertThat(longOnes).hasSize(1);
            assertThat(Files.readAllLines(longOnes.get(0))).hasSize(5);
            assertThat(longOnes.get(0).getFileName().toString().getBytes(StandardCharsets.UTF_8).length).isLessThan(255);
        }
    }

    @Test
    void a_file_still_being_written_is_read_only_when_complete() throws Exception {
        pipeline.with("llm.inbox.enabled", "true").with("llm.inbox.read-lock-ms", "700").start();
        Files.createDirectories(pipeline.inbox);
        Path growing = pipeline.inbox.resolve("growing.jsonl");
        int lines = 30;
        CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
            try (OutputStream out = Files.newOutputStream(growing, StandardOpenOption.CREATE_NEW)) {
                for (int i = 1; i <= lines; i++) {
                    out.write(("{\"custom_id\":\"g" + i + "\",\"prompt\":\"p" + i + "\"}\n").getBytes());
                    out.flush();
                    Thread.sleep(100); // a slow producer: the file keeps changing for ~3 s
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.get(20, TimeUnit.SECONDS);
        await().atMost(30, TimeUnit.SECONDS).until(() -> Files.exists(pipeline.inbox.resolve(".done/growing.jsonl")));
        assertThat(pipeline.results("growing")).hasSize(lines);
    }

    @Test
    void same_content_again_is_skipped_or_rerun() throws Exception {
        pipeline.start();
        Path file = pipeline.write("again.jsonl", PipelineFixture.prompts(4));
        assertThat(pipeline.run(file).succeeded()).isEqualTo(4);
        // same content hash: no call, the outputs are written again from the journal
        Files.delete(pipeline.outbox.resolve("again.results.jsonl"));
        assertThat(pipeline.run(file).succeeded()).isEqualTo(4);
        assertThat(pipeline.results("again")).hasSize(4);
        assertThat(api.chatCalls()).isEqualTo(4);
        pipeline.stop();

        pipeline.with("llm.inbox.on-duplicate", "rerun").start();
        assertThat(pipeline.run(file).succeeded()).isEqualTo(4);
        assertThat(api.chatCalls()).isEqualTo(8);
    }

    @Test
    void the_failed_lines_file_retries_exactly_the_failures() throws Exception {
        api.answerChatsContaining("flaky", serverError(503, "busy"));
        pipeline.with("llm.retry.max-attempts", "2").start();
        Path file = pipeline.write("mix.jsonl", """
                {"custom_id":"a","prompt":"fine"}
                {"prompt":"flaky without id"}
                {"custom_id":"c","prompt":"flaky with id","max_tokens":5}
                not even json
                """);
        RunSummary first = pipeline.run(file);
        assertThat(first.failed()).isEqualTo(2);
        assertThat(first.invalid()).isEqualTo(1);
        String failed = Files.readString(pipeline.outbox.resolve("mix.failed.jsonl"));
        assertThat(failed).isEqualTo("""
                {"custom_id":"2","prompt":"flaky without id"}
                {"custom_id":"c","prompt":"flaky with id","max_tokens":5}
                """);

        api.reset();
        api.answerChats(ok("ok now"));
        Path retry = pipeline.write("mix.failed.jsonl", failed);
        RunSummary second = pipeline.run(retry);
        // the failed file is the run's own: its answers merge into the run's outputs, summarised whole
        assertThat(second.runId()).isEqualTo(first.runId());
        assertThat(second.succeeded()).isEqualTo(3);
        assertThat(second.failed()).isZero();
        assertThat(second.invalid()).isEqualTo(1);
        assertThat(pipeline.results("mix")).extracting(r -> r.get("custom_id").asText() + ":"
                + r.get("status").asText()).containsExactly("a:ok", "2:ok", "c:ok", "4:invalid");
        assertThat(pipeline.outbox.resolve("mix.failed.results.jsonl")).doesNotExist();
        assertThat(pipeline.outbox.resolve("mix.failed.jsonl")).as("nothing failed any more").doesNotExist();
        assertThat(api.chatCalls()).isEqualTo(2);
    }
}
