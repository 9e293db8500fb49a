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

    @Test
    void a_control_character_inside_a_value_is_refused_by_position_without_the_value() {
        assertThatThrownBy(() -> PipelineConfig.of(Map.of("api-key", "sk-abc\ndef-secret")))
                .hasMessage("llm.api-key contains a line break at position 7: remove it (the value is not shown)")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret").doesNotContain("sk-abc"));
        assertThatThrownBy(() -> PipelineConfig.of(Map.of("model", "gpt\t4o")))
                .hasMessageContaining("llm.model contains a tab at position 4");
        assertThatThrownBy(() -> PipelineConfig.of(Map.of("outbox", "out\u0007box")))
                .hasMessageContaining("a control character (U+0007) at position 4");
        assertThat(PipelineConfig.of(Map.of("api-key", "sk-pasted-with-its-newline\n")).api().apiKey())
                .as("white space around a value is trimmed as always").isEqualTo("sk-pasted-with-its-newline");
    }

    @Test
    void folders_that_overlap_are_refused_naming_both() {
        assertThatThrownBy(() -> PipelineConfig.of(Map.of("inbox.enabled", "true", "inbox", "/data/box",
                "outbox", "/data/box")))
                .hasMessage("llm.inbox (/data/box) is the same folder as llm.outbox (/data/box): the watched inbox "
                        + "would take the pipeline's own results as new prompt files; set them apart");
        assertThatThrownBy(() -> PipelineConfig.of(Map.of("inbox.enabled", "true", "inbox", "/data/out/in",
                "outbox", "/data/out")))
                .hasMessageStartingWith("llm.inbox (/data/out/in) lies inside llm.outbox (/data/out)");
        assertThatThrownBy(() -> PipelineConfig.of(Map.of("inbox.enabled", "true", "inbox", "/data",
                "outbox", "/elsewhere/out", "work-dir", "/data/work")))
                .hasMessageStartingWith("llm.inbox (/data) holds llm.work-dir (/data/work)");
        assertThatThrownBy(() -> PipelineConfig.of(Map.of("outbox", "/data/work")))
                .hasMessageStartingWith("llm.outbox (/data/work) is the same folder as the work folder (\"work\" "
                        + "next to llm.outbox, as llm.work-dir is empty)");
        assertThatThrownBy(() -> PipelineConfig.of(Map.of("schedule.cron", "0 0 2 * * ?", "schedule.folder",
                "/data/out", "outbox", "/data/out")))
                .hasMessageContaining("every firing would run the pipeline's own results as prompt files");
        assertThat(PipelineConfig.of(Map.of("inbox", "/data/box", "outbox", "/data/box")).inbox().folder())
                .as("an inbox that is not watched takes nothing").isEqualTo(java.nio.file.Path.of("/data/box"));
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
