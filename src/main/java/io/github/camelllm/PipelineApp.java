package io.github.camelllm;

import io.github.camelllm.run.Rejects;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.Main;
import org.apache.camel.support.DefaultExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The pipeline as one object: Camel Main with the YAML routes and the beans, plus the built-in simulator when
 * there is no API to talk to. Used by the launcher, by tests and by the benchmark alike.
 */
public final class PipelineApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineApp.class);

    private final Main main;
    private final OpenAiSimulator simulator;
    private final Settings settings;

    private PipelineApp(Main main, OpenAiSimulator simulator, Settings settings) {
        this.main = main;
        this.simulator = simulator;
        this.settings = settings;
    }

    /** Starts the pipeline with these settings (see {@link Settings#load}). */
    public static PipelineApp start(Settings requested) throws Exception {
        OpenAiSimulator simulator = null;
        Settings settings = requested;
        String baseUrl = settings.get("llm.base-url", "");
        if (baseUrl.isEmpty() && settings.apiKey().isEmpty()) {
            simulator = new OpenAiSimulator(SimulatorConfig.defaults()
                    .withPort(0)
                    .withLatencyMs(settings.getLong("llm.simulator.latency-ms", 0))
                    .withJitterMs(settings.getLong("llm.simulator.jitter-ms", 0))
                    .withRate429(settings.getDouble("llm.simulator.rate-429", 0, 1))
                    .withRate500(settings.getDouble("llm.simulator.rate-500", 0, 1)));
            simulator.start();
            baseUrl = simulator.baseUrl();
            LOG.info("No OPENAI_API_KEY and no llm.base-url: using the BUILT-IN SIMULATOR at {} ({}). "
                    + "Set OPENAI_API_KEY (and optionally llm.base-url) to call a real API.", baseUrl,
                    simulator.config().describe());
        } else if (baseUrl.isEmpty()) {
            baseUrl = "https://api.openai.com/v1";
        }
        baseUrl = baseUrl.replaceAll("/+$", "");
        if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
            throw new Settings.ConfigException("llm.base-url must start with http:// or https://, got " + baseUrl);
        }
        settings = settings.with(Map.of("llm.base-url", baseUrl));
        if (simulator == null) {
            LOG.info("Calling {} with model {} (API key {})", baseUrl, settings.get("llm.model"),
                    settings.apiKey().isEmpty() ? "not set" : "set");
        }

        Main main = new Main();
        main.setDefaultPropertyPlaceholderLocation(settings.location());
        main.setOverrideProperties(settings.camelProperties());
        main.configure().withRoutesIncludePattern(routesLocation())
                .withShutdownTimeout((int) Math.max(1, settings.getLong("llm.shutdown.timeout-ms", 0) / 1000));
        main.configure().addConfiguration(new PipelineBeans(settings));
        try {
            main.start();
        } catch (Exception e) {
            if (simulator != null) {
                simulator.close();
            }
            throw e;
        }
        return new PipelineApp(main, simulator, settings);
    }

    /** {@code routes/} of the working directory when there is one (editable without recompiling), else the jar's. */
    static String routesLocation() {
        return Files.isDirectory(Path.of("routes")) ? "file:routes/*.camel.yaml" : "classpath:routes/*.camel.yaml";
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public Settings settings() {
        return settings;
    }

    public RunRegistry runs() {
        return context().getRegistry().lookupByNameAndType("runs", RunRegistry.class);
    }

    /** The simulator this pipeline started, or null when it talks to a configured API. */
    public OpenAiSimulator simulator() {
        return simulator;
    }

    public ProducerTemplate template() {
        return context().createProducerTemplate();
    }

    /**
     * Runs one file through the same routes as the inbox, leaving the file where it is. Returns when intake has
     * read the whole file; the future completes when every line has its result.
     */
    public CompletableFuture<RunSummary> submitFile(Path file) {
        Exchange exchange = new DefaultExchange(context());
        exchange.getMessage().setBody(file.toAbsolutePath());
        exchange.setProperty("llmArchive", false);
        Exchange done = context().createProducerTemplate().send("direct:run-file", exchange);
        if (done.getException() != null) {
            return CompletableFuture.failedFuture(done.getException());
        }
        String rejected = done.getProperty(Rejects.REJECTED, String.class);
        if (rejected != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(rejected));
        }
        String runId = done.getProperty("llmRunId", String.class);
        if (runId == null) {
            return CompletableFuture.completedFuture(null); // same content already completed: skipped
        }
        var completion = runs().completionOf(runId); // in progress, finished, stopped, or written again
        return completion != null ? completion : CompletableFuture.completedFuture(runs().lastSummary(runId));
    }

    @Override
    public void close() {
        try {
            main.stop();
        } catch (Exception e) {
            LOG.warn("error while stopping Camel: {}", e.getMessage());
        } finally {
            if (simulator != null) {
                simulator.close();
            }
        }
    }

    /** Settings from application.properties, the environment and system properties, plus these overrides. */
    public static Settings settings(Map<String, String> overrides) {
        return Settings.load(new HashMap<>(overrides), System.getenv());
    }
}
