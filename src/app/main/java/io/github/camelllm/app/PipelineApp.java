package io.github.camelllm.app;

import io.github.camelllm.LlmPipeline;
import io.github.camelllm.config.Settings;

import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The command-line application as one object: a Camel Main of its own running the pipeline {@value #NAME}, its
 * settings from {@code application.properties}, -D and the environment, plus the built-in simulator when it was
 * chosen. Used by the launcher, by tests and by the benchmark alike. A host application does not use this: it adds
 * an {@link LlmPipeline} to its own CamelContext.
 */
public final class PipelineApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineApp.class);

    /** The pipeline's name in the application: its settings are exactly the {@code llm.*} keys. */
    static final String NAME = "llm";

    private final Main main;
    private final OpenAiSimulator simulator;
    private final LlmPipeline pipeline;

    private PipelineApp(Main main, OpenAiSimulator simulator, LlmPipeline pipeline) {
        this.main = main;
        this.simulator = simulator;
        this.pipeline = pipeline;
    }

    /**
     * Starts the pipeline with these settings (see {@link Settings#load}). Without an API key and base URL this is
     * a configuration error: the built-in simulator is used only when chosen ({@code llm.base-url=simulator}).
     */
    public static PipelineApp start(Settings settings) throws Exception {
        return start(settings, false);
    }

    /** As {@link #start(Settings)}; with {@code quickStart}, no API configured means the simulator, loudly. */
    static PipelineApp start(Settings requested, boolean quickStart) throws Exception {
        ApiChoice api = ApiChoice.decide(requested, quickStart);
        OpenAiSimulator simulator = null;
        String baseUrl = api.baseUrl();
        if (api.simulated()) {
            simulator = startSimulator(requested);
            baseUrl = simulator.baseUrl();
            api.warn(baseUrl, simulator.config().describe());
        } else {
            LOG.info("Calling {} with model {} (API key {})", baseUrl, requested.get("llm.model"),
                    requested.apiKey().isEmpty() ? "not set" : "set");
        }
        Settings settings = requested.with(Map.of(Settings.BASE_URL, baseUrl));
        LlmPipeline pipeline = LlmPipeline.named(NAME).asApplication(settings, api.simulated(), routesLocation());
        Main main = camelMain(settings, pipeline);
        try {
            main.start();
        } catch (Exception e) {
            if (simulator != null) {
                simulator.close();
            }
            throw e;
        }
        return new PipelineApp(main, simulator, pipeline);
    }

    private static OpenAiSimulator startSimulator(Settings settings) {
        OpenAiSimulator simulator = new OpenAiSimulator(SimulatorConfig.defaults()
                .withPort(0)
                .withLatencyMs(settings.getLong("llm.simulator.latency-ms", 0))
                .withJitterMs(settings.getLong("llm.simulator.jitter-ms", 0))
                .withRate429(settings.getDouble("llm.simulator.rate-429", 0, 1))
                .withRate500(settings.getDouble("llm.simulator.rate-500", 0, 1)));
        simulator.start();
        return simulator;
    }

    /**
     * Camel Main with the validated values only: not the file (it may hold the API key), and no second lookup of
     * -D or the environment that could disagree with what was validated.
     */
    private static Main camelMain(Settings settings, LlmPipeline pipeline) {
        Main main = new Main();
        main.setDefaultPropertyPlaceholderLocation("false");
        main.setInitialProperties(settings.camelOwnProperties());
        main.setOverrideProperties(settings.camelProperties());
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport m) {
                PropertiesComponent pc = (PropertiesComponent) m.getCamelContext().getPropertiesComponent();
                pc.setEnvironmentVariableMode(PropertiesComponent.ENVIRONMENT_VARIABLES_MODE_FALLBACK);
                pc.setSystemPropertiesMode(PropertiesComponent.SYSTEM_PROPERTIES_MODE_FALLBACK);
            }
        });
        long shutdownMs = settings.getLong("llm.shutdown.timeout-ms", 1000);
        main.configure().withName("camel-llm-pipeline")
                .withMessageHistory(false)
                .withStreamCachingEnabled(false)
                .withShutdownTimeout((int) Math.ceil(shutdownMs / 1000.0));
        main.configure().addConfiguration(new CamelConfiguration() {
            @Override
            public void configure(CamelContext context) {
                pipeline.addTo(context);
            }
        });
        return main;
    }

    /** {@code routes/} of the working directory when there is one (editable without recompiling), else the jar's. */
    static String routesLocation() {
        return Files.isDirectory(Path.of("routes")) ? "file:routes/*.camel.yaml" : LlmPipeline.TEMPLATES;
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public Settings settings() {
        return pipeline.settings();
    }

    public RunRegistry runs() {
        return pipeline.runs();
    }

    /** The pipeline this application runs (named {@value #NAME}). */
    public LlmPipeline pipeline() {
        return pipeline;
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
        return pipeline.submitFile(file);
    }

    @Override
    public void close() {
        try {
            awaitQuiet();
            main.stop();
        } catch (Exception e) {
            LOG.warn("error while stopping Camel: {}", e.getMessage());
        } finally {
            if (simulator != null) {
                simulator.close();
            }
        }
    }

    /**
     * A run's future completes inside its last exchange, a few milliseconds before that exchange ends. Camel's
     * graceful shutdown, finding it still in flight, would look again only a second later: so wait those
     * milliseconds here (at most {@value #QUIET_WAIT_MS} ms; anything longer is left to the graceful shutdown).
     */
    private void awaitQuiet() throws InterruptedException {
        long until = System.nanoTime() + QUIET_WAIT_MS * 1_000_000L;
        while (context().getInflightRepository().size() > 0 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
    }

    private static final long QUIET_WAIT_MS = 500;

    /** Settings from application.properties, the environment and system properties, plus these overrides. */
    public static Settings settings(Map<String, String> overrides) {
        return settings(overrides, System.getenv());
    }

    static Settings settings(Map<String, String> overrides, Map<String, String> env) {
        return Settings.load(new HashMap<>(overrides), env);
    }
}
