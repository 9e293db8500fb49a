package io.github.camelllm;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {

    @Test
    void file_values_are_overridden_by_environment_then_system_properties_then_explicit_overrides() {
        Settings fromFile = Settings.load(Map.of(), Map.of());
        assertThat(fromFile.getInt("llm.concurrency", 1)).isEqualTo(50);

        Settings fromEnv = Settings.load(Map.of(), Map.of("LLM_CONCURRENCY", "200", "LLM_RETRY_MAX_ATTEMPTS", "9"));
        assertThat(fromEnv.getInt("llm.concurrency", 1)).isEqualTo(200);
        assertThat(fromEnv.getInt("llm.retry.max-attempts", 1)).isEqualTo(9);

        System.setProperty("llm.concurrency", "300");
        try {
            assertThat(Settings.load(Map.of(), Map.of("LLM_CONCURRENCY", "200")).getInt("llm.concurrency", 1)).isEqualTo(300);
            assertThat(Settings.load(Map.of("llm.concurrency", "400"), Map.of()).getInt("llm.concurrency", 1)).isEqualTo(400);
        } finally {
            System.clearProperty("llm.concurrency");
        }
    }

    @Test
    void the_api_key_defaults_to_OPENAI_API_KEY_and_stays_out_of_camel_properties() {
        Settings s = Settings.load(Map.of(), Map.of("OPENAI_API_KEY", "sk-env", "OPENAI_BASE_URL", "http://h:1/v1"));
        assertThat(s.apiKey()).isEqualTo("sk-env");
        assertThat(s.get("llm.base-url")).isEqualTo("http://h:1/v1");
        assertThat(s.camelProperties()).doesNotContainKey("llm.api-key");
        assertThat(s.camelProperties().values()).doesNotContain("sk-env");
        assertThat(Settings.load(Map.of(), Map.of("OPENAI_API_KEY", "sk-env", "LLM_API_KEY", "sk-llm")).apiKey()).isEqualTo("sk-llm");
    }

    @Test
    void bad_values_say_which_setting_and_why() {
        Settings s = Settings.load(Map.of("llm.concurrency", "lots", "llm.retry.jitter", "3"), Map.of());
        assertThatThrownBy(() -> s.getInt("llm.concurrency", 1)).hasMessage("llm.concurrency must be a whole number, got 'lots'");
        assertThatThrownBy(() -> s.getDouble("llm.retry.jitter", 0, 1)).hasMessageContaining("llm.retry.jitter must be between 0.0 and 1.0");
        assertThatThrownBy(() -> s.get("llm.nope")).hasMessageContaining("missing setting llm.nope");
    }
}
