package io.github.camelllm.app;

import io.github.camelllm.LlmPipeline;
import io.github.camelllm.RunningPipeline;
import org.apache.camel.CamelContext;

import java.util.HashMap;
import java.util.Map;

/** The command-line application under test: {@link PipelineApp} with the test's settings as overrides. */
public final class AppPipeline implements RunningPipeline {

    private final PipelineApp app;

    private AppPipeline(PipelineApp app) {
        this.app = app;
    }

    public static AppPipeline start(Map<String, String> settings, Map<String, String> environment) throws Exception {
        Map<String, String> overrides = new HashMap<>(settings);
        // tests may run two services at once: each serves its management endpoints on a free port of its own
        overrides.putIfAbsent("llm.management.port", "0");
        return new AppPipeline(PipelineApp.start(overrides, environment, PipelineApp.Mode.SERVICE));
    }

    public PipelineApp app() {
        return app;
    }

    @Override
    public CamelContext context() {
        return app.context();
    }

    @Override
    public LlmPipeline pipeline() {
        return app.pipeline();
    }

    @Override
    public void close() {
        app.close();
    }
}
