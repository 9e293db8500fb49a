package io.github.camelllm.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Names as a Spring Environment lists them are the settings they bind to, not misspellings. */
class HostPropertyNamesTest {

    @Test
    void relaxed_spellings_and_a_yaml_list_of_pipelines_are_the_settings_they_bind_to() {
        assertThat(HostPropertyNames.canonical("llm.assistant.retry.maxAttempts"))
                .isEqualTo("llm.assistant.retry.max-attempts");
        assertThat(HostPropertyNames.canonical("llm.pipelines[0]")).isEqualTo("llm.pipelines");
        assertThat(HostPropertyNames.canonical("llm.pipelines[12]")).isEqualTo("llm.pipelines");
        assertThat(HostPropertyNames.canonical("llm.pipelinez[0]")).isEqualTo("llm.pipelinez[0]");
    }
}
