package io.github.camelllm.app;

import io.github.camelllm.config.Setting;
import io.github.camelllm.config.Settings;
import io.github.camelllm.config.SettingsExample;
import io.github.camelllm.config.SettingsReference;
import io.github.camelllm.config.SettingsSpec;
import io.github.camelllm.config.OnFatal;
import io.github.camelllm.config.OutputOrder;
import io.github.camelllm.config.PipelineConfig;

import io.github.camelllm.config.Settings.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {

    @TempDir
    Path tmp;

    static Settings load(Map<String, String> overrides) throws Exception {
        return PipelineApp.settings(overrides, Map.of());
    }

    @Test
    void every_setting_has_its_default_from_the_code() throws Exception {
        Settings s = load(Map.of());
        for (Setting spec : SettingsSpec.byKey().values()) {
            if (spec.defaultValue() != null && !spec.key().equals("llm.inbox.enabled")
                    && !spec.key().equals("llm.management.port")) {
                assertThat(s.value(spec.key())).as(spec.key()).isEqualTo(spec.check(spec.defaultValue()));
                assertThat(s.source(spec.key())).as(spec.key()).isEqualTo("default");
            }
        }
        // the application's service watches its inbox: the library's default is not to
        assertThat(s.value("llm.inbox.enabled")).isEqualTo("true");
        assertThat(s.source("llm.inbox.enabled")).isEqualTo("set by the application's code");
        // and serves health and metrics for its orchestrator on the port Camel's observability services use
        assertThat(s.value("llm.management.port")).isEqualTo("9876");
        assertThat(s.source("llm.management.port")).isEqualTo("set by the application's code");
        assertThat(s.config().calls().concurrency()).isEqualTo(50);
        assertThat(s.isSet(Settings.BASE_URL)).isFalse();
        assertThat(s.config().api().baseUrl()).isNull();
        assertThat(s.config().api().apiKey()).isEmpty();
    }

    @Test
    void override_properties_win_over_the_defaults_and_system_properties_over_them() throws Exception {
        assertThat(load(Map.of("llm.concurrency", "400")).config().calls().concurrency()).isEqualTo(400);
        System.setProperty("llm.concurrency", "300");
        try {
            Settings s = load(Map.of("llm.concurrency", "400"));
            assertThat(s.config().calls().concurrency()).isEqualTo(300);
            assertThat(s.source("llm.concurrency")).isEqualTo("-Dllm.concurrency");
        } finally {
            System.clearProperty("llm.concurrency");
        }
    }

    /** Camel's own order, in a separate JVM with its own environment and application.properties. */
    @Test
    void precedence_is_camels_environment_then_system_property_then_file_then_default() throws Exception {
        Files.writeString(tmp.resolve("application.properties"), """
                llm.concurrency=5
                llm.model=from-file
                llm.retry.max-attempts=3
                llm.api-key=sk-in-the-file
                """);
        Child child = settingsCommand(Map.of("LLM_RETRY_MAX_ATTEMPTS", "8", "LLM_PROVIDER", "another-tool"),
                "-Dllm.model=from-sys", "-Dllm.retry.max-attempts=9");
        assertThat(child.exit).as(child.output).isZero();
        assertThat(child.output)
                .contains("llm.concurrency=5    # file:application.properties")
                .contains("llm.model=from-sys    # -Dllm.model")
                .contains("llm.retry.max-attempts=8    # environment variable LLM_RETRY_MAX_ATTEMPTS")
                .contains("llm.timeout.connect-ms=10000    # default")
                .contains("llm.api-key=(set, hidden)")
                .doesNotContain("sk-in-the-file");
    }

    @Test
    void a_misspelt_key_in_the_file_or_the_environment_stops_the_command_with_exit_2() throws Exception {
        Files.writeString(tmp.resolve("application.properties"), "llm.retry.max-atempts=3\n");
        Child file = settingsCommand(Map.of());
        assertThat(file.exit).isEqualTo(Launcher.USAGE);
        assertThat(file.output).contains("configuration error: unknown setting llm.retry.max-atempts (from "
                + "application.properties); did you mean llm.retry.max-attempts?");
        Files.delete(tmp.resolve("application.properties"));
        Child env = settingsCommand(Map.of("LLM_CONCURENCY", "4"));
        assertThat(env.exit).isEqualTo(Launcher.USAGE);
        assertThat(env.output).contains("configuration error: unknown setting LLM_CONCURENCY (environment variable); "
                + "did you mean LLM_CONCURRENCY?");
    }

    @Test
    void an_empty_base_url_from_the_environment_is_an_error_not_the_simulator() throws Exception {
        Child child = settingsCommand(Map.of("LLM_BASE_URL", ""));
        assertThat(child.exit).isEqualTo(Launcher.USAGE);
        assertThat(child.output).contains("configuration error: llm.base-url is set but empty")
                .contains("environment variable LLM_BASE_URL");
    }

    @Test
    void the_api_key_defaults_to_OPENAI_API_KEY_and_never_reaches_the_routes() throws Exception {
        Settings s = PipelineApp.settings(Map.of(), Map.of("OPENAI_API_KEY", "sk-env",
                "OPENAI_BASE_URL", "http://h:1/v1/"));
        assertThat(s.config().api().apiKey()).isEqualTo("sk-env");
        assertThat(s.config().api().baseUrl()).isEqualTo("http://h:1/v1");
        assertThat(s.source(Settings.API_KEY)).isEqualTo("environment variable OPENAI_API_KEY");
        assertThat(s.templateParameters()).doesNotContainKey("llm.api-key").doesNotContainValue("sk-env");
        assertThat(s.describe()).doesNotContain("sk-env").contains("llm.api-key=(set, hidden)");
        assertThat(s.config().api().toString()).doesNotContain("sk-env");
        assertThat(PipelineApp.settings(Map.of("llm.api-key", "sk-llm"), Map.of("OPENAI_API_KEY", "sk-env"))
                .config().api().apiKey()).isEqualTo("sk-llm");
        Settings broker = load(Map.of("llm.broker.password", "hunter2"));
        assertThat(broker.config().broker().password()).isEqualTo("hunter2");
        assertThat(broker.templateParameters()).doesNotContainKey("llm.broker.password");
        assertThat(broker.describe() + broker.config().broker()).doesNotContain("hunter2");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "llm.output.order        | random  | llm.output.order must be one of ordered, streamed, got 'random'",
            "llm.concurrency         | 100001  | llm.concurrency must be between 1 and 100000, got 100001",
            "llm.concurrency         | 5000000 | llm.concurrency must be between 1 and 100000, got 5000000",
            "llm.concurrency         | 0       | llm.concurrency must be between 1 and 100000, got 0",
            "llm.concurrency         | -3      | llm.concurrency must be between 1 and 100000, got -3",
            "llm.faults.on-fatal     | never   | llm.faults.on-fatal must be one of auto, stop, hold, got 'never'",
            "llm.batch.on-failure    | maybe   | llm.batch.on-failure must be one of realtime, error, got 'maybe'",
            "llm.inbox.on-duplicate  | twice   | llm.inbox.on-duplicate must be one of skip, rerun, got 'twice'",
            "llm.concurrency         | lots    | llm.concurrency must be a whole number, got 'lots'",
            "llm.retry.multiplier    | 0       | llm.retry.multiplier must be between 1 and 100, got 0",
            "llm.retry.multiplier    | 0.5     | llm.retry.multiplier must be between 1 and 100, got 0.5",
            "llm.retry.jitter        | 5       | llm.retry.jitter must be between 0 and 1, got 5",
            "llm.retry.max-delay-ms  | -1      | llm.retry.max-delay-ms must be between 0 and 86400000, got -1",
            "llm.realtime.queue-size | 0       | llm.realtime.queue-size must be between 1 and 10000000, got 0",
            "llm.model               | ''      | llm.model must not be empty",
            "llm.base-url            | ''      | llm.base-url is set but empty",
            "llm.base-url            | ftp://x | llm.base-url must start with http:// or https://",
            "llm.batch.enabled       | yes     | llm.batch.enabled must be true or false, got 'yes'",
            "llm.schedule.cron       | nightly | llm.schedule.cron is not a Quartz cron expression",
    })
    void a_bad_value_is_refused_at_load_naming_the_key(String key, String value, String message) {
        Map<String, String> overrides = new HashMap<>();
        overrides.put(key, value);
        assertThatThrownBy(() -> load(overrides)).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(message).hasMessageContaining("(from override properties)");
    }

    @Test
    void a_misspelt_key_is_refused_naming_the_closest_known_one_and_another_tools_variable_is_not() throws Exception {
        assertThatThrownBy(() -> load(Map.of("llm.concurency", "10"))).isInstanceOf(ConfigException.class)
                .hasMessage("unknown setting llm.concurency (from override properties); "
                        + "did you mean llm.concurrency?");
        assertThatThrownBy(() -> PipelineApp.settings(Map.of(), Map.of("LLM_CONCURENCY", "10")))
                .hasMessage("unknown setting LLM_CONCURENCY (environment variable); did you mean LLM_CONCURRENCY?");
        assertThatThrownBy(() -> load(Map.of()).value("llm.nope")).hasMessageStartingWith("unknown setting llm.nope");
        assertThat(PipelineApp.settings(Map.of(), Map.of("LLM_PROVIDER", "x", "LLM_TEMPERATURE", "0.2"))
                .config().calls().concurrency()).isEqualTo(50);
    }

    @Test
    void a_placeholder_naming_a_setting_is_left_for_the_routes_and_one_naming_nothing_is_refused() throws Exception {
        assertThat(load(Map.of()).value("llm.realtime.queue-uri")).contains("size={{llm.realtime.queue-size}}");
        assertThat(load(Map.of("llm.realtime.queue-uri", "seda:work?size={{llm.realtime.queue-size}}"))
                .config().queue().uri()).isEqualTo("seda:work?size={{llm.realtime.queue-size}}");
        assertThat(load(Map.of("llm.concurrency", "20", "llm.realtime.queue-uri", "seda:w?size={{llm.concurrency}}"))
                .config().queue().uri()).isEqualTo("seda:w?size=20");
        assertThatThrownBy(() -> load(Map.of("llm.input.uri", "direct:{{llm.nowhere}}")))
                .hasMessage("llm.input.uri: a placeholder in 'direct:{{llm.nowhere}}' names no property (from "
                        + "override properties)");
    }

    @Test
    void rules_between_keys_and_the_one_shutdown_setting() {
        assertThatThrownBy(() -> load(Map.of("llm.retry.initial-delay-ms", "500", "llm.retry.max-delay-ms", "100")))
                .hasMessage("llm.retry.max-delay-ms (100) must be at least llm.retry.initial-delay-ms (500)");
        assertThatThrownBy(() -> load(Map.of("camel.main.shutdown-timeout", "30")))
                .hasMessageStartingWith("camel.main.shutdown-timeout is not used: the one shutdown setting is "
                        + "llm.shutdown.timeout-ms");
        assertThatThrownBy(() -> PipelineApp.settings(Map.of(), Map.of("CAMEL_MAIN_SHUTDOWN_TIMEOUT", "30")))
                .hasMessageStartingWith("camel.main.shutdown-timeout is not used");
    }

    @Test
    void the_typed_configuration_holds_the_validated_values() throws Exception {
        Settings s = load(Map.of("llm.concurrency", "1_000", "llm.retry.jitter", "0.5", "llm.output.order",
                "STREAMED", "llm.faults.on-fatal", "auto"));
        PipelineConfig c = s.config();
        assertThat(c.calls().concurrency()).isEqualTo(1000);
        assertThat(c.calls().connectTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.retry().jitter()).isEqualTo(0.5);
        assertThat(c.batch().enabled()).isTrue();
        assertThat(c.output().order()).isEqualTo(OutputOrder.STREAMED);
        assertThat(c.output().uri()).isEmpty();
        assertThat(c.faults().onFatal()).isEqualTo(OnFatal.AUTO);
        assertThat(c.faults().hold()).as("auto holds while the inbox is watched").isTrue();
        assertThat(c.runs().workRoot()).isEqualTo(Path.of("outbox").toAbsolutePath().normalize().resolveSibling("work"));
        assertThat(s.templateParameters()).containsEntry("llm.concurrency", "1000")
                .containsEntry("llm.output.order", "streamed");
    }

    /** application.properties is the commented example made from the table: the two cannot drift apart. */
    @Test
    void application_properties_is_the_example_generated_from_the_spec() throws IOException {
        String file = Files.readString(Path.of(System.getProperty("project.root", "."), "application.properties"),
                StandardCharsets.UTF_8);
        assertThat(file).as("regenerate with: java -jar target/camel-llm-pipeline-app.jar settings --example "
                + "> application.properties").isEqualTo(SettingsExample.render());
        for (String line : file.split("\n")) {
            assertThat(line.isBlank() || line.startsWith("#")).as("not commented out: " + line).isTrue();
        }
        for (String key : SettingsSpec.byKey().keySet()) {
            assertThat(file).contains("\n#" + key + "=");
        }
    }

    /** docs/settings.md is the reference made from the table: the two cannot drift apart. */
    @Test
    void docs_settings_md_is_the_reference_generated_from_the_spec() throws IOException {
        String file = Files.readString(Path.of(System.getProperty("project.root", "."), "docs", "settings.md"),
                StandardCharsets.UTF_8);
        assertThat(file).as("regenerate with: java -jar target/camel-llm-pipeline-app.jar settings --markdown "
                + "> docs/settings.md").isEqualTo(SettingsReference.render());
        for (Setting s : SettingsSpec.byKey().values()) {
            assertThat(file).contains("| `" + s.key() + "` |").contains("`" + s.envName() + "`");
        }
    }

    record Child(int exit, String output) {
    }

    /** {@code settings} in a child JVM whose working directory is {@link #tmp}. */
    Child settingsCommand(Map<String, String> env, String... jvmArgs) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(List.of(jvmArgs));
        cmd.add(Launcher.class.getName());
        cmd.add("settings");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("LLM_") || k.startsWith("OPENAI_"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Child(p.exitValue(), out);
    }
}
