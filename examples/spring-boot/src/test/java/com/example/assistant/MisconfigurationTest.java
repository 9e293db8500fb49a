package com.example.assistant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A wrong setting in the Spring Environment stops the application at start, naming the property. */
class MisconfigurationTest {

    @TempDir
    Path tmp;

    @Test
    void a_misspelt_setting_is_refused_with_its_name() {
        assertThatThrownBy(() -> start("llm.assistant.concurency=4"))
                .hasStackTraceContaining("llm.assistant.concurency")
                .hasStackTraceContaining("llm.assistant.concurrency");
    }

    @Test
    void a_bad_value_is_refused_with_its_name() {
        assertThatThrownBy(() -> start("llm.assistant.concurrency=0"))
                .hasStackTraceContaining("llm.assistant.concurrency");
    }

    private void start(String property) {
        try (ConfigurableApplicationContext ignored = new SpringApplicationBuilder(AssistantApplication.class)
                .run("--llm.assistant.base-url=http://127.0.0.1:9/v1",
                        "--llm.assistant.work-dir=" + tmp.resolve("work"), "--camel.main.run-controller=false",
                        "--" + property)) {
            // started: the assertion reports that nothing was refused
        }
    }
}
