package io.github.camelllm.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.sim.SimulatorMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static io.github.camelllm.OpenAiStubs.CHAT;
import static io.github.camelllm.OpenAiStubs.echo;
import static io.github.camelllm.OpenAiStubs.invalidApiKey;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The command line as a user meets it: help for every command, usage errors named, settings given as options,
 * standard output that is only the summary (text, or JSON a parser takes), exit codes that tell the cases apart.
 */
class CommandLineTest {

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @TempDir
    Path tmp;

    record Outcome(int exit, String out, String err) {
    }

    /** The command line in this JVM, its output captured. */
    Outcome cli(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Cli.commandLine(env, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Outcome(exit, out.toString(), err.toString());
    }

    Outcome cli(String... args) {
        return cli(Map.of(), args);
    }

    Path prompts(String name, String content) throws Exception {
        return Files.writeString(tmp.resolve(name), content);
    }

    @Test
    void every_command_has_help_with_its_description_options_and_exit_codes() {
        Outcome root = cli("--help");
        assertThat(root.exit()).isZero();
        assertThat(root.out()).contains("Commands:").contains("run ").contains("serve ").contains("settings ")
                .contains("simulate ").contains("help ").contains("Exit codes:")
                .contains("4   the API refused us or cannot be reached");
        for (String command : new String[] {"run", "serve", "settings", "simulate"}) {
            Outcome help = cli(command, "--help");
            assertThat(help.exit()).as(command).isZero();
            assertThat(help.out()).as(command).startsWith(header(command)).contains("Usage: camel-llm-pipeline "
                    + command).contains("-h, --help");
            assertThat(cli("help", command).out()).as("help " + command).isEqualTo(help.out());
            assertThat(help.err()).isEmpty();
        }
        assertThat(cli("run", "--help").out()).contains("FILE").contains("--json").contains("--concurrency")
                .contains("--set=KEY=VALUE").contains("Exit codes:").contains("1   the API answered, but some lines")
                .contains("3   stopped before complete").contains("win over environment variables");
        assertThat(cli("serve", "--help").out()).contains("--inbox=DIR").contains("--base-url=URL");
        assertThat(cli("settings", "--help").out()).contains("--example").contains("--markdown");
    }

    private static String header(String command) {
        return switch (command) {
            case "run" -> "Process one prompt file";
            case "serve" -> "Watch the inbox";
            case "settings" -> "Show every setting";
            default -> "Run only the built-in";
        };
    }

    @Test
    void usage_errors_exit_2_and_say_what_is_wrong() throws Exception {
        Path file = prompts("ok.jsonl", PipelineFixture.prompts(1));
        assertThat(cli("frobnicate")).satisfies(o -> {
            assertThat(o.exit()).isEqualTo(Launcher.USAGE);
            assertThat(o.err()).contains("frobnicate");
        });
        assertThat(cli("run")).satisfies(o -> {
            assertThat(o.exit()).isEqualTo(Launcher.USAGE);
            assertThat(o.err()).contains("Missing required parameter: 'FILE'");
        });
        assertThat(cli("run", "--concurency", "5", file.toString())).satisfies(o -> {
            assertThat(o.exit()).isEqualTo(Launcher.USAGE);
            assertThat(o.err()).contains("--concurency").contains("--concurrency");
        });
        assertThat(cli("run", "--set", "concurency=5", file.toString())).satisfies(o -> {
            assertThat(o.exit()).isEqualTo(Launcher.USAGE);
            assertThat(o.err()).contains("--set concurency: no such setting (did you mean llm.concurrency?)");
        });
        assertThat(cli("run", "--set", "concurrency", file.toString()).err()).contains("expected KEY=VALUE");
        assertThat(cli("run", "-c", "5", "--set", "llm.concurrency=6", file.toString())).satisfies(o -> {
            assertThat(o.exit()).isEqualTo(Launcher.USAGE);
            assertThat(o.err()).contains("llm.concurrency is given twice on the command line (--concurrency and "
                    + "--set llm.concurrency)");
        });
        assertThat(cli("run", "--base-url", api.baseUrl(), "--set", "concurrency=0", file.toString()))
                .satisfies(o -> {
                    assertThat(o.exit()).isEqualTo(Launcher.USAGE);
                    assertThat(o.err()).contains("llm.concurrency must be between 1 and 100000, got 0 (from command "
                            + "line --set concurrency)");
                });
        assertThat(cli("run", tmp.resolve("missing.jsonl").toString()).err()).contains("no such file");
        assertThat(cli("run", tmp.toString()).exit()).isEqualTo(Launcher.USAGE);
        assertThat(api.calls()).isZero();
    }

    @Test
    void options_win_over_every_other_source_and_settings_says_where_each_value_came_from() {
        System.setProperty("llm.concurrency", "5");
        System.setProperty("llm.retry.max-attempts", "4");
        try {
            Outcome settings = cli("settings", "--concurrency", "7", "--set", "retry.jitter=0.5", "--model", "m-1");
            assertThat(settings.exit()).isZero();
            assertThat(settings.out()).contains("llm.concurrency=7    # command line --concurrency")
                    .contains("llm.retry.jitter=0.5    # command line --set retry.jitter")
                    .contains("llm.model=m-1    # command line --model")
                    .contains("llm.retry.max-attempts=4    # -Dllm.retry.max-attempts");
        } finally {
            System.clearProperty("llm.concurrency");
            System.clearProperty("llm.retry.max-attempts");
        }
    }

    @Test
    void run_prints_only_the_summary_as_text_or_as_json_and_exits_by_what_happened() throws Exception {
        api.answerChats(echo());
        Path good = prompts("good.jsonl", PipelineFixture.prompts(4));
        String out = tmp.resolve("outbox").toString();
        String work = tmp.resolve("work").toString();

        Outcome text = cli("run", "--base-url", api.baseUrl(), "-o", out, "--work-dir", work, good.toString());
        assertThat(text.exit()).isEqualTo(Launcher.OK);
        assertThat(text.out()).startsWith("good.jsonl: 4 lines, 4 ok, 0 failed, 0 invalid\n")
                .contains("  results  ").contains("good.results.jsonl").contains("answers/s");
        assertThat(text.out().lines()).noneMatch(l -> l.contains("INFO") || l.contains("WARN"));

        Outcome json = cli("run", "--json", "--base-url", api.baseUrl(), "-o", out, "--work-dir", work,
                good.toString());
        JsonNode summary = PipelineFixture.JSON.readTree(json.out());
        assertThat(summary.path("succeeded").asInt()).isEqualTo(4);
        assertThat(summary.path("started_at").asText()).isNotEmpty();
        assertThat(json.out().strip()).startsWith("{").endsWith("}");

        Path mixed = prompts("mixed.jsonl", PipelineFixture.prompts(2) + "not json\n");
        assertThat(cli("run", "--base-url", api.baseUrl(), "-o", out, "--work-dir", work, mixed.toString()).exit())
                .as("a line was invalid; the API answered the others").isEqualTo(Launcher.SOME_FAILED);
    }

    @Test
    void calls_the_api_refuses_end_the_run_with_exit_4_and_count_no_throughput() throws Exception {
        api.server().stubFor(post(urlEqualTo(CHAT)).willReturn(invalidApiKey("sk-...abcd")));
        Path file = prompts("refused.jsonl", PipelineFixture.prompts(1000));
        Outcome refused = cli("run", "--json", "--base-url", api.baseUrl(), "-o", tmp.resolve("outbox").toString(),
                "--work-dir", tmp.resolve("work").toString(), "--set", "api-key=sk-not-taken", file.toString());
        assertThat(refused.exit()).isEqualTo(Launcher.API_REFUSED);
        JsonNode summary = PipelineFixture.JSON.readTree(refused.out());
        assertThat(summary.path("failed").asInt()).isEqualTo(1000);
        assertThat(summary.path("throughput_rps").asDouble()).as("no answer, no rate").isZero();
        assertThat(api.chatCalls()).as("the first refusals stop the calls").isLessThan(20);
        assertThat(refused.err()).contains("the API refused the calls or could not be reached");
    }

    @Test
    void the_simulate_command_offers_every_flag_of_the_simulator() {
        CommandLine simulate = Cli.commandLine(Map.of(), new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter())).getSubcommands().get("simulate");
        Set<String> offered = simulate.getCommandSpec().options().stream().map(OptionSpec::longestName)
                .filter(n -> !n.equals("--help")).collect(Collectors.toCollection(TreeSet::new));
        assertThat(offered).isEqualTo(new TreeSet<>(SimulatorMain.FLAGS));
    }

    @Test
    void docs_cli_md_is_the_usage_help_of_the_commands() throws Exception {
        Path doc = Path.of(System.getProperty("project.root", "../.."), "docs", "cli.md");
        assertThat(Files.readString(doc)).as("regenerate with: java -cp target/camel-llm-pipeline-app.jar "
                + "io.github.camelllm.app.CliReference > docs/cli.md").isEqualTo(CliReference.render());
    }
}
