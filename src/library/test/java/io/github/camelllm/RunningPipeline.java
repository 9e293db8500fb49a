package io.github.camelllm;

import io.github.camelllm.config.Settings;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

/** A started pipeline under test: the library in a host's CamelContext, or the command-line application. */
public interface RunningPipeline extends AutoCloseable {

    CamelContext context();

    LlmPipeline pipeline();

    default RunRegistry runs() {
        return pipeline().runs();
    }

    default Settings settings() {
        return pipeline().settings();
    }

    default CompletableFuture<RunSummary> submitFile(Path file) {
        return pipeline().submitFile(file);
    }

    default ProducerTemplate template() {
        return context().createProducerTemplate();
    }

    /** Stops it as a shutdown does: intake closes, calls in flight drain and are journaled. */
    @Override
    void close();

    /** Starts a pipeline with these settings ({@code llm.*} keys). */
    @FunctionalInterface
    interface Starter {
        RunningPipeline start(java.util.Map<String, String> settings, java.util.Map<String, String> environment)
                throws Exception;
    }
}
