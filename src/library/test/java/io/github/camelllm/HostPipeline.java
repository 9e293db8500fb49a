package io.github.camelllm;

import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;

import java.util.Map;
import java.util.Properties;

/**
 * The pipeline {@code llm} as a host application adds it: a plain CamelContext whose properties hold the test's
 * settings, and {@link LlmPipeline#addTo}. Stream caching and message history are off, as in the application.
 */
public final class HostPipeline implements RunningPipeline {

    private final CamelContext context;
    private final LlmPipeline pipeline;

    private HostPipeline(CamelContext context, LlmPipeline pipeline) {
        this.context = context;
        this.pipeline = pipeline;
    }

    /**
     * @param environment what the pipeline reads for OPENAI_API_KEY / OPENAI_BASE_URL and checks LLM_* names in
     *                    (Camel's properties component reads the process's own for the values)
     */
    public static RunningPipeline start(Map<String, String> settings, Map<String, String> environment) {
        DefaultCamelContext context = new DefaultCamelContext();
        Properties properties = new Properties();
        settings.forEach(properties::setProperty);
        context.getPropertiesComponent().setOverrideProperties(properties);
        context.setStreamCaching(false);
        context.setMessageHistory(false);
        try {
            LlmPipeline pipeline = LlmPipeline.named("llm").environment(environment).addTo(context);
            long shutdownMs = pipeline.config().shutdown().timeout().toMillis();
            context.getShutdownStrategy().setTimeout(Math.max(1, (shutdownMs + 999) / 1000));
            context.start();
            return new HostPipeline(context, pipeline);
        } catch (RuntimeException e) {
            context.stop();
            throw e;
        }
    }

    @Override
    public CamelContext context() {
        return context;
    }

    @Override
    public LlmPipeline pipeline() {
        return pipeline;
    }

    @Override
    public void close() {
        // a run's future completes inside its last exchange, a few ms before that exchange ends
        long until = System.nanoTime() + 500_000_000L;
        while (context.getInflightRepository().size() > 0 && System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        context.stop();
    }
}
