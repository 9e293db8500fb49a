package io.github.camelllm.app;

import io.github.camelllm.app.Launcher;
import io.github.camelllm.config.Setting;
import io.github.camelllm.config.Settings;
import io.github.camelllm.config.SettingsExample;
import io.github.camelllm.config.SettingsSpec;

import io.github.camelllm.config.Settings.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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

    static Settings load(Map<String, String> overrides) {
        return Settings.load(overrides, Map.of());
    }

    @Test
    void every_setting_has_its_default_from_the_code() {
        Settings s = load(Map.of());
        for (Setting spec : SettingsSpec.byKey().values()) {
            if (spec.defaultValue() != null) {
                assertThat(s.get(spec.key())).as(spec.key()).isEqualTo(spec.check(spec.defaultValue()));
            }
        }
        assertThat(s.getInt("llm.concurrency", 1)).isEqualTo(50);
        assertThat(s.isSet(Settings.BASE_URL)).isFalse();
        assertThat(s.apiKey()).isEmpty();
    }

    @Test
    void explicit_overrides_win_over_the_defaults_and_system_properties_over_them() {
        assertThat(load(Map.of("llm.concurrency", "400")).getInt("llm.concurrency", 1)).isEqualTo(400);
        System.setProperty("llm.concurrency", "300");
        try {
            assertThat(load(Map.of("llm.concurrency", "400")).getInt("llm.concurrency", 1)).isEqualTo(300);
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
        Child child = settingsCommand(Map.of("LLM_RETRY_MAX_ATTEMPTS", "8"),
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
    void an_empty_base_url_from_the_environment_is_an_error_not_the_simulator() throws Exception {
        Child child = settingsCommand(Map.of("LLM_BASE_URL", ""));
        assertThat(child.exit).isEqualTo(Launcher.USAGE);
        assertThat(child.output).contains("configuration error: llm.base-url is set but empty")
                .contains("environment variable LLM_BASE_URL");
    }

    @Test
    void the_api_key_defaults_to_OPENAI_API_KEY_and_stays_out_of_camel_properties() {
        Settings s = Settings.load(Map.of(), Map.of("OPENAI_API_KEY", "sk-env", "OPENAI_BASE_URL", "http://h:1/v1/"));
        assertThat(s.apiKey()).isEqualTo("sk-env");
        assertThat(s.get(Settings.BASE_URL)).isEqualTo("http://h:1/v1");
        assertThat(s.camelProperties().getProperty("llm.api-key")).isEmpty();
        assertThat(s.camelProperties().values()).doesNotContain("sk-env");
        assertThat(s.describe()).doesNotContain("sk-env").contains("llm.api-key=(set, hidden)");
        assertThat(Settings.load(Map.of("llm.api-key", "sk-llm"), Map.of("OPENAI_API_KEY", "sk-env")).apiKey())
                .isEqualTo("sk-llm");
        Settings broker = load(Map.of("llm.broker.password", "hunter2"));
        assertThat(broker.get("llm.broker.password")).isEqualTo("hunter2");
        assertThat(broker.camelProperties().getProperty("llm.broker.password")).isEmpty();
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "llm.output.order        | random  | llm.output.order must be one of ordered, streamed, got 'random'",
            "llm.concurrency         | 100001  | llm.concurrency must be between 1 and 100000, got 100001",
            "llm.concurrency         | 5000000 | llm.concurrency must be between 1 and 100000, got 5000000",
            "llm.concurrency         | 0       | llm.concurrency must be between 1 and 100000, got 0",
            "llm.concurrency         | -3      | llm.concurrency must be between 1 and 100000, got -3",
            "llm.faults.on-fatal     | never   | llm.faults.on-fatal must be one of auto, stop, hold, got 'never'",
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
                .hasMessageStartingWith(message).hasMessageContaining("(from explicit override)");
    }

    @Test
    void a_misspelt_key_is_refused_naming_the_closest_known_one() {
        assertThatThrownBy(() -> load(Map.of("llm.concurency", "10"))).isInstanceOf(ConfigException.class)
                .hasMessage("unknown setting llm.concurency (given as an explicit override); "
                        + "did you mean llm.concurrency?");
        assertThatThrownBy(() -> Settings.load(Map.of(), Map.of("LLM_CONCURENCY", "10")))
                .hasMessage("unknown setting LLM_CONCURENCY (environment variable); did you mean LLM_CONCURRENCY?");
        assertThatThrownBy(() -> load(Map.of()).get("llm.nope")).hasMessageStartingWith("unknown setting llm.nope");
    }

    @Test
    void a_placeholder_in_a_text_value_is_left_for_the_routes_so_it_follows_later_changes() {
        Settings s = load(Map.of()).with(Map.of("llm.concurrency", "20"));
        assertThat(s.get("llm.realtime.queue-uri")).contains("size={{llm.realtime.queue-size}}");
        assertThat(s.camelProperties().getProperty("llm.concurrency")).isEqualTo("20");
        assertThatThrownBy(() -> load(Map.of("llm.input.uri", "direct:{{llm.nowhere}}")))
                .hasMessage("llm.input.uri: a placeholder in 'direct:{{llm.nowhere}}' names no setting");
    }

    @Test
    void rules_between_keys_and_the_one_shutdown_setting() {
        assertThatThrownBy(() -> load(Map.of("llm.retry.initial-delay-ms", "500", "llm.retry.max-delay-ms", "100")))
                .hasMessage("llm.retry.max-delay-ms (100) must be at least llm.retry.initial-delay-ms (500)");
        assertThatThrownBy(() -> load(Map.of("camel.main.shutdown-timeout", "30")))
                .hasMessageStartingWith("camel.main.shutdown-timeout is not used: the one shutdown setting is "
                        + "llm.shutdown.timeout-ms");
        assertThatThrownBy(() -> Settings.load(Map.of(), Map.of("CAMEL_MAIN_SHUTDOWN_TIMEOUT", "30")))
                .hasMessageStartingWith("camel.main.shutdown-timeout is not used");
        assertThatThrownBy(() -> load(Map.of()).with(Map.of("llm.concurrency", "0")))
                .hasMessageStartingWith("llm.concurrency must be between 1 and 100000");
    }

    @Test
    void the_accessors_callers_use_read_the_validated_values() {
        Settings s = load(Map.of("llm.concurrency", "1_000", "llm.retry.jitter", "0.5", "llm.output.order", "STREAMED"));
        assertThat(s.getInt("llm.concurrency", 1)).isEqualTo(1000);
        assertThat(s.getLong("llm.timeout.connect-ms", 1)).isEqualTo(10_000);
        assertThat(s.getDouble("llm.retry.jitter", 0, 1)).isEqualTo(0.5);
        assertThat(s.getBoolean("llm.batch.enabled")).isTrue();
        assertThat(s.get("llm.output.order")).isEqualTo("streamed");
        assertThat(s.get("llm.output.uri", "none")).isEqualTo("none");
        assertThat(s.get("llm.base-url", "")).isEmpty();
        assertThat(s.camelProperties().getProperty("llm.concurrency")).isEqualTo("1000");
    }

    /** application.properties is the commented example made from the table: the two cannot drift apart. */
    @Test
    void application_properties_is_the_example_generated_from_the_spec() throws IOException {
        String file = Files.readString(Path.of(System.getProperty("project.root", "."), "application.properties"), StandardCharsets.UTF_8);
        assertThat(file).as("regenerate with: java -jar target/camel-llm-pipeline-app.jar settings --example "
                + "> application.properties").isEqualTo(SettingsExample.render());
        for (String line : file.split("\n")) {
            assertThat(line.isBlank() || line.startsWith("#")).as("not commented out: " + line).isTrue();
        }
        for (String key : SettingsSpec.byKey().keySet()) {
            assertThat(file).contains("\n#" + key + "=");
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
