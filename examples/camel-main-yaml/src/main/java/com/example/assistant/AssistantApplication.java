package com.example.assistant;

import org.apache.camel.main.Main;

/**
 * Starts Camel Main: application.properties configures Camel, adds the pipeline (through
 * {@code io.github.camelllm.LlmPipelines}) and names the YAML routes; this class only runs it until stopped.
 */
public final class AssistantApplication {

    private AssistantApplication() {
    }

    public static void main(String[] args) throws Exception {
        new Main(AssistantApplication.class).run(args);
    }
}
