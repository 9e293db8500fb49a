package io.github.camelllm.app;

import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.github.camelllm.OpenAiStubs.invalidApiKey;
import static io.github.camelllm.OpenAiStubs.ok;
import static org.assertj.core.api.Assertions.assertThat;

/** What run FILE shows on stderr while its run goes, and after. */
class ProgressReporterTest {

    private static final Pattern DONE = Pattern.compile("^progress slow\\.jsonl (\\d+)/40 ");

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @RegisterExtension
    final PipelineFixture pipeline = new PipelineFixture(api).startedBy(AppPipeline::start);

    final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    final PrintWriter err = new PrintWriter(new java.io.OutputStreamWriter(printed, StandardCharsets.UTF_8), true);

    List<String> lines() {
        return Arrays.asList(printed.toString(StandardCharsets.UTF_8).split("\n"));
    }

    @Test
    void plain_lines_count_up_to_the_total_and_the_last_says_completed() throws Exception {
        api.answerChats(ok("slow").withFixedDelay(100));
        pipeline.with("llm.concurrency", "2").start();
        Path file = pipeline.write("slow.jsonl", PipelineFixture.prompts(40));
        RunSummary summary;
        try (ProgressReporter reporter = ProgressReporter.start(pipeline.app().pipeline(), file, err, false, 200)) {
            summary = pipeline.app().submitFile(file).get(30, TimeUnit.SECONDS);
        }
        assertThat(summary.succeeded()).isEqualTo(40);
        List<Long> done = lines().stream().map(DONE::matcher).filter(Matcher::find)
                .map(m -> Long.parseLong(m.group(1))).toList();
        assertThat(done).as(printed.toString(StandardCharsets.UTF_8)).hasSizeGreaterThan(2).isSorted();
        assertThat(done.get(0)).isLessThan(40);
        assertThat(lines().get(lines().size() - 1))
                .matches("progress slow\\.jsonl 40/40 \\(100%\\) ok 40 error 0 invalid 0 \\|.* completed in .*");
        assertThat(printed.toString(StandardCharsets.UTF_8)).doesNotContain("\r").doesNotContain("next:");
    }

    @Test
    void a_terminal_gets_one_line_rewritten_and_a_failed_run_what_to_do_next() throws Exception {
        api.answerChats(invalidApiKey("sk-te***3456").withFixedDelay(300));
        pipeline.with("llm.api-key", "sk-test-secret-key-123456").with("llm.faults.on-fatal", "stop")
                .with("llm.concurrency", "1").start();
        Path file = pipeline.write("refused.jsonl", PipelineFixture.prompts(20));
        try (ProgressReporter reporter = ProgressReporter.start(pipeline.app().pipeline(), file, err, true, 50)) {
            pipeline.app().submitFile(file).get(30, TimeUnit.SECONDS);
        }
        String text = printed.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("\r\033[K").contains("refused.jsonl 20/20 (100%) ok 0 error 20 invalid 0")
                .contains("next: 20 failed with authentication_error: the API refused the key: set llm.api-key / "
                        + "OPENAI_API_KEY to a valid key")
                .contains("next: the failed lines are in " + pipeline.outbox.resolve("refused.failed.jsonl"))
                .doesNotContain("sk-test-secret");
    }

    @Test
    void the_service_serves_its_management_endpoints_on_9876_unless_told_otherwise() throws Exception {
        assertThat(PipelineApp.settings(Map.of(), Map.of()).config().observe().managementPort()).isEqualTo(9876);
        assertThat(PipelineApp.settings(Map.of("llm.management.port", "-1"), Map.of()).config().observe()
                .managementPort()).isEqualTo(-1);
    }
}
