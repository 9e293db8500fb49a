package io.github.camelllm.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.github.camelllm.OpenAiStubs.echo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A correct run, as a new user runs it from a shell: the summary alone on standard output, nothing alarming on
 * standard error, the built-in simulator pacing to its announced limit, the same file found again from another
 * directory.
 */
class QuickStartTest {

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @TempDir
    Path tmp;

    @Test
    void the_quick_start_on_the_simulator_is_quiet_paced_and_prints_only_its_summary() throws Exception {
        Path samples = Path.of(System.getProperty("project.root", "../..")).resolve("samples/prompts.jsonl");
        Path file = Files.copy(samples, tmp.resolve("prompts.jsonl"));
        AppProcess.Result r = new AppProcess(tmp).jvm("-Xlog:class+load=info:file=" + tmp.resolve("classes.log"))
                .run("run", "--json", file.getFileName().toString());

        assertThat(r.exit()).as(r.err()).isEqualTo(Launcher.OK);
        JsonNode summary = PipelineFixture.JSON.readTree(r.out()); // standard output is the JSON object alone
        assertThat(summary.path("succeeded").asInt()).isEqualTo(200);
        assertThat(summary.path("simulated").asBoolean()).isTrue();
        assertThat(summary.path("rate_limits").path("rate_limited_answers").asInt())
                .as("the simulator announces its limit in headers: the pipeline paces instead of running into it")
                .isLessThanOrEqualTo(5);
        assertThat(r.err()).contains("SIMULATED ANSWERS").doesNotContain("ERROR").doesNotContain("NOTE")
                .doesNotContain("NOT STARTED").doesNotContain("Exception");
        assertThat(r.err().lines().filter(l -> l.contains(" WARN ")))
                .as("the one warning says the answers are simulated").allMatch(l -> l.contains("SIMULATED ANSWERS"));
        assertThat(Files.readString(tmp.resolve("classes.log"))).as("no schedule: Quartz is not even loaded")
                .doesNotContain("org.quartz.");
        assertThat(tmp.resolve("outbox/prompts.results.jsonl")).exists();
    }

    @Test
    void the_same_file_run_from_another_directory_resumes_instead_of_paying_again() throws Exception {
        api.answerChats(echo());
        Path file = Files.writeString(tmp.resolve("here.jsonl"), PipelineFixture.prompts(5));
        Path a = Files.createDirectories(tmp.resolve("a"));
        Path b = Files.createDirectories(tmp.resolve("b"));
        Path state = tmp.resolve("state");

        AppProcess.Result first = new AppProcess(a).env("XDG_STATE_HOME", state.toString())
                .run("run", "--base-url", api.baseUrl(), file.toString());
        assertThat(first.exit()).as(first.err()).isEqualTo(Launcher.OK);
        assertThat(first.out()).startsWith("here.jsonl: 5 lines, 5 ok, 0 failed, 0 invalid\n")
                .contains("outbox/here.results.jsonl");
        assertThat(first.err()).doesNotContain("WARN").doesNotContain("NOTE");

        AppProcess.Result second = new AppProcess(b).env("XDG_STATE_HOME", state.toString())
                .run("run", "--base-url", api.baseUrl(), file.toString());
        assertThat(second.exit()).as(second.err()).isEqualTo(Launcher.OK);
        assertThat(api.chatCalls()).as("nothing paid again").isEqualTo(5);
        assertThat(b.resolve("outbox/here.results.jsonl")).exists(); // the outputs where the user is now
        assertThat(state.resolve("camel-llm-pipeline/work")).isDirectory();
        assertThat(a.resolve("work")).doesNotExist();
        assertThat(b.resolve("work")).doesNotExist();
    }
}
