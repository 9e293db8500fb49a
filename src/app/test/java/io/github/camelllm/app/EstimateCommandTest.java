package io.github.camelllm.app;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code estimate [--json] FILE} on the command line: what a file would cost, with nothing called. */
class EstimateCommandTest {

    @TempDir
    Path tmp;

    /** The command's exit code and what it printed to standard output. */
    record Printed(int code, String out) {
    }

    static Printed launch(String... args) {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            // an unreachable API: estimate must not need one
            int code = Launcher.run(args, Map.of("OPENAI_BASE_URL", "http://127.0.0.1:9/v1"));
            return new Printed(code, out.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(original);
        }
    }

    @Test
    void estimate_prints_the_report_as_text_or_json_and_exits_0() throws Exception {
        Path file = Files.writeString(tmp.resolve("few.jsonl"), """
                {"custom_id":"a","prompt":"hello world","max_tokens":50}
                {"custom_id":"b","prompt":"hello again","max_tokens":50}
                not json
                """);

        Printed text = launch("estimate", file.toString());
        assertThat(text.code()).isEqualTo(Launcher.OK);
        assertThat(text.out()).contains("lines            3 (2 prompts, 1 invalid)").contains("cost (USD)");

        Printed json = launch("estimate", "--json", file.toString());
        assertThat(json.code()).isEqualTo(Launcher.OK);
        JsonNode report = new ObjectMapper().readTree(json.out());
        assertThat(report.get("lines").asLong()).isEqualTo(3);
        assertThat(report.get("input_tokens").asLong()).isPositive();
        assertThat(report.get("estimated_cost_usd").get("max").decimalValue())
                .isGreaterThan(report.get("estimated_cost_usd").get("min").decimalValue());
    }

    @Test
    void estimate_without_a_readable_file_is_a_usage_error() throws Exception {
        assertThat(launch("estimate").code()).isEqualTo(Launcher.USAGE);
        assertThat(launch("estimate", tmp.resolve("missing.jsonl").toString()).code()).isEqualTo(Launcher.USAGE);
        Path empty = Files.createFile(tmp.resolve("empty.jsonl"));
        assertThat(launch("estimate", empty.toString()).code()).isEqualTo(Launcher.SOME_FAILED);
    }
}
