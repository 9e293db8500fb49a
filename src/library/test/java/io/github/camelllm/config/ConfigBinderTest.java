package io.github.camelllm.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The typed configuration is bound from every key of the table, each choice to its enum, in one place. */
class ConfigBinderTest {

    @Test
    void every_key_of_the_table_is_bound() {
        Settings all = SettingsResolver.fromValues("llm", Map.of("api-key", "sk-x", "base-url", "http://h/v1",
                "broker.password", "p"));
        assertThat(ConfigBinder.keysRead(new PropertyNames("llm"), valuesOf(all)))
                .containsExactlyInAnyOrderElementsOf(SettingsSpec.byKey().keySet());
    }

    @Test
    void choices_bind_to_enums_and_times_to_durations() {
        PipelineConfig c = PipelineConfig.of(Map.of("http.client", "VERTX", "faults.on-fatal", "hold",
                "inbox.on-duplicate", "rerun", "output.order", "streamed", "batch.on-failure", "error",
                "inbox.poll-ms", "250"));
        assertThat(c.calls().client()).isEqualTo(HttpClientKind.VERTX);
        assertThat(c.faults().onFatal()).isEqualTo(OnFatal.HOLD);
        assertThat(c.faults().hold()).isTrue();
        assertThat(c.inbox().onDuplicate()).isEqualTo(OnDuplicate.RERUN);
        assertThat(c.output().order()).isEqualTo(OutputOrder.STREAMED);
        assertThat(c.batch().onFailure()).isEqualTo(OnBatchFailure.ERROR);
        assertThat(c.inbox().poll()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void rules_between_keys_are_the_binders() {
        PipelineConfig stop = PipelineConfig.of(Map.of("faults.on-fatal", "auto", "inbox.enabled", "false"));
        assertThat(stop.faults().hold()).as("auto without a watched inbox").isFalse();
        assertThat(PipelineConfig.of(Map.of("api-key", "sk-x")).api().baseUrl()).isEqualTo(Settings.OPENAI_URL);
        assertThat(PipelineConfig.defaults().api().baseUrl()).isNull();
        assertThat(PipelineConfig.of(Map.of("work-dir", "/data/w")).runs().workRoot().toString()).isEqualTo("/data/w");
        assertThatThrownBy(() -> SettingsResolver.fromValues("openai", Map.of("retry.initial-delay-ms", "500",
                "retry.max-delay-ms", "100")))
                .hasMessage("llm.openai.retry.max-delay-ms (100) must be at least llm.openai.retry.initial-delay-ms "
                        + "(500)");
    }

    @Test
    void secrets_stay_out_of_the_records_text() {
        PipelineConfig c = PipelineConfig.of(Map.of("api-key", "sk-secret-1", "broker.url", "tcp://b:61616",
                "broker.password", "hunter2"));
        assertThat(c.toString()).doesNotContain("sk-secret-1").doesNotContain("hunter2").contains("(set, hidden)");
    }

    private static Map<String, String> valuesOf(Settings settings) {
        Map<String, String> values = new java.util.HashMap<>();
        for (String key : SettingsSpec.byKey().keySet()) {
            if (settings.value(key) != null) {
                values.put(key, settings.value(key));
            }
        }
        return values;
    }
}
