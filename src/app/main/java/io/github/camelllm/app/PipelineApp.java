package io.github.camelllm.app;

import io.github.camelllm.LlmPipeline;
import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.config.Setting;
import io.github.camelllm.config.Settings;
import io.github.camelllm.config.Settings.ConfigException;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.main.Main;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;

/**
 * The command-line application as one object: a Camel Main host whose properties are its own
 * ({@code application.properties} of the working directory when present, else the jar's; -D; the environment; in
 * Camel's order) and which adds the default pipeline {@value #NAME} with {@link LlmPipeline} as any host does,
 * plus the built-in simulator when it was chosen. Used by the launcher, by tests and by the benchmark alike.
 */
public final class PipelineApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineApp.class);

    /** The application's pipeline: the default one, whose settings are exactly the {@code llm.*} keys. */
    static final String NAME = "llm";

    /** The service's management port (health, metrics, status page) unless llm.management.port says otherwise. */
    static final int MANAGEMENT_PORT = 9876;

    private static final String[] SHUTDOWN_KEYS = {"camel.main.shutdown-timeout", "camel.main.shutdownTimeout"};

    /** What the application does with its pipeline. */
    enum Mode {
        /** Watch the inbox (unless llm.inbox.enabled=false) until stopped; needs an API, or the simulator chosen. */
        SERVICE,
        /** {@code run FILE}: no inbox, no schedule; with no API configured, the simulator, loudly. */
        RUN_FILE,
        /** {@code run --simulator FILE}: as RUN_FILE, answered by the built-in simulator whatever is configured. */
        RUN_FILE_ON_SIMULATOR
    }

    private final Main main;
    private final AddPipeline added;

    private PipelineApp(Main main, AddPipeline added) {
        this.main = main;
        this.added = added;
    }

    /** Service mode with these override properties (over the file, under -D and the environment, as in Camel). */
    public static PipelineApp start(Map<String, String> overrides) throws Exception {
        return start(overrides, System.getenv(), Mode.SERVICE);
    }

    /**
     * Starts the application. Without an API key and base URL this is a configuration error, except for
     * {@code run FILE}, which then answers from the simulator and says so.
     *
     * @param overrides override properties (tests, benchmarks): over the file, under -D and the environment
     * @param env       the environment read for OPENAI_API_KEY, OPENAI_BASE_URL and misspelt LLM_* variables
     */
    static PipelineApp start(Map<String, String> overrides, Map<String, String> env, Mode mode) throws Exception {
        AddPipeline added = new AddPipeline(env, mode, true);
        Main main = camelMain(overrides, added);
        try {
            main.start();
        } catch (Exception e) {
            added.closeSimulator();
            stopQuietly(main);
            throw configurationError(e);
        }
        return new PipelineApp(main, added);
    }

    /**
     * The pipeline's settings as {@link #start} would resolve them, with where each came from: the same Camel
     * Main, configured but not started.
     */
    static Settings settings(Map<String, String> overrides, Map<String, String> env) throws Exception {
        AddPipeline resolveOnly = new AddPipeline(env, Mode.SERVICE, false);
        Main main = camelMain(overrides, resolveOnly);
        try {
            main.init();
            return resolveOnly.settings;
        } catch (Exception e) {
            throw configurationError(e);
        } finally {
            stopQuietly(main);
        }
    }

    private static Main camelMain(Map<String, String> overrides, AddPipeline added) {
        Main main = new Main();
        String file = Files.isRegularFile(Path.of("application.properties"))
                ? "file:application.properties" : "classpath:application.properties";
        main.setPropertyPlaceholderLocations(file + ";optional=true");
        if (!overrides.isEmpty()) {
            Properties p = new Properties();
            p.putAll(overrides);
            main.setOverrideProperties(p);
        }
        main.configure().withName("camel-llm-pipeline")
                .withMessageHistory(false)
                .withStreamCachingEnabled(false);
        main.configure().addConfiguration(added);
        return main;
    }

    /** Adds the default pipeline to the application's context, choosing its API first. */
    private static final class AddPipeline implements CamelConfiguration {
        private final Map<String, String> env;
        private final Mode mode;
        private final boolean add;
        private Settings settings;
        private LlmPipeline pipeline;
        private volatile OpenAiSimulator simulator;

        AddPipeline(Map<String, String> env, Mode mode, boolean add) {
            this.env = env;
            this.mode = mode;
            this.add = add;
        }

        @Override
        public void configure(CamelContext context) {
            refuseSecondShutdownSetting(context, env);
            LlmPipeline llm = LlmPipeline.named(NAME).environment(env).templatesFrom(routesLocation())
                    .set("inbox.enabled", "true"); // the service watches its inbox unless told not to
            if (mode != Mode.SERVICE) {
                llm.force("inbox.enabled", "false").force("schedule.cron", "");
            } else {
                llm.set("management.port", Integer.toString(MANAGEMENT_PORT)); // health and metrics for orchestrators
            }
            if (mode == Mode.RUN_FILE_ON_SIMULATOR) {
                llm.force("base-url", Setting.SIMULATOR);
            }
            settings = llm.resolve(context);
            if (!add) {
                return;
            }
            PipelineConfig config = settings.config();
            ApiChoice api = ApiChoice.decide(config.api(), mode != Mode.SERVICE);
            if (api.simulated()) {
                simulator = startSimulator(config);
                api.warn(simulator.baseUrl(), simulator.config().describe());
                llm.force("base-url", simulator.baseUrl()).simulatedAnswers(true);
            } else {
                LOG.info("Calling {} with model {} (API key {})", api.baseUrl(), config.api().model(),
                        config.api().apiKey().isEmpty() ? "not set" : "set");
            }
            if (mode != Mode.SERVICE) {
                Launcher.warnWhenFresh(config);
            }
            pipeline = llm.addTo(context);
            long shutdownMs = pipeline.config().shutdown().timeout().toMillis();
            context.getShutdownStrategy().setTimeout(Math.max(1, (shutdownMs + 999) / 1000));
            if (pipeline.config().broker().enabled()) {
                // the application owns its context: its broker queues are plain jms: endpoints
                JmsComponent own = context.getComponent(NAME + "-jms", JmsComponent.class);
                if (context.hasComponent("jms") instanceof JmsComponent configured) {
                    configured.setConnectionFactory(own.getConnectionFactory());
                } else {
                    context.addComponent("jms", own);
                }
            }
        }

        void closeSimulator() {
            if (simulator != null) {
                simulator.close();
            }
        }
    }

    private static OpenAiSimulator startSimulator(PipelineConfig config) {
        OpenAiSimulator simulator = new OpenAiSimulator(SimulatorConfig.defaults()
                .withPort(0)
                .withLatencyMs(config.simulation().latency().toMillis())
                .withJitterMs(config.simulation().jitter().toMillis())
                .withRate429(config.simulation().rate429())
                .withRate500(config.simulation().rate500()));
        simulator.start();
        return simulator;
    }

    /** The shutdown timeout is {@code llm.shutdown.timeout-ms}: a second, Camel's own, would disagree with it. */
    private static void refuseSecondShutdownSetting(CamelContext context, Map<String, String> env) {
        for (String key : SHUTDOWN_KEYS) {
            String envName = key.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_');
            boolean set = !context.getPropertiesComponent().loadProperties(key::equals).isEmpty()
                    || System.getProperty(key) != null || env.containsKey(envName);
            if (set) {
                throw new ConfigException(key + " is not used: the one shutdown setting is llm.shutdown.timeout-ms "
                        + "(milliseconds)");
            }
        }
    }

    /** {@code routes/} of the working directory when there is one (editable without recompiling), else the jar's. */
    static String routesLocation() {
        return Files.isDirectory(Path.of("routes")) ? "file:routes/*.camel.yaml" : LlmPipeline.TEMPLATES;
    }

    /** Camel Main wraps what the configuration threw: a configuration error is reported as one. */
    private static Exception configurationError(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException config) {
                return config;
            }
        }
        return e;
    }

    private static void stopQuietly(Main main) {
        try {
            main.stop();
        } catch (Exception ignored) {
            // it did not start
        }
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    /** The pipeline's settings, with where each came from. */
    public Settings settings() {
        return added.pipeline.settings();
    }

    public PipelineConfig config() {
        return added.pipeline.config();
    }

    public RunRegistry runs() {
        return added.pipeline.runs();
    }

    /** The pipeline this application runs (named {@value #NAME}). */
    public LlmPipeline pipeline() {
        return added.pipeline;
    }

    /** The simulator this pipeline started, or null when it talks to a configured API. */
    public OpenAiSimulator simulator() {
        return added.simulator;
    }

    public ProducerTemplate template() {
        return context().createProducerTemplate();
    }

    /**
     * Runs one file through the same routes as the inbox, leaving the file where it is. Returns when intake has
     * read the whole file; the future completes when every line has its result.
     */
    public CompletableFuture<RunSummary> submitFile(Path file) {
        return added.pipeline.submitFile(file);
    }

    @Override
    public void close() {
        try {
            awaitQuiet();
            main.stop();
        } catch (Exception e) {
            LOG.warn("error while stopping Camel: {}", e.getMessage());
        } finally {
            added.closeSimulator();
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
}
