package io.github.camelllm.app;

import io.github.camelllm.LlmPipeline;
import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.config.PropertyNames;
import io.github.camelllm.config.Setting;
import io.github.camelllm.config.Settings;
import io.github.camelllm.config.Settings.ConfigException;
import io.github.camelllm.flow.CallGate;
import io.github.camelllm.intake.Intake;
import io.github.camelllm.openai.ResponseTimeouts;
import io.github.camelllm.config.SimulationConfig;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.main.DefaultMainShutdownStrategy;
import org.apache.camel.main.Main;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    private final ApiHold hold;
    private boolean closed;

    private PipelineApp(Main main, AddPipeline added, ApiHold hold) {
        this.main = main;
        this.added = added;
        this.hold = hold;
    }

    /** Service mode with these override properties (over the file, under -D and the environment, as in Camel). */
    public static PipelineApp start(Map<String, String> overrides) throws Exception {
        return start(overrides, System.getenv(), Mode.SERVICE);
    }

    static PipelineApp start(Map<String, String> overrides, Map<String, String> env, Mode mode) throws Exception {
        return start(overrides, env, mode, Map.of(), null);
    }

    /**
     * Starts the application. Without an API key and base URL this is a configuration error, except for
     * {@code run FILE}, which then answers from the simulator and says so. Before any prompt is read the API is
     * checked ({@link ApiCheck}): {@code run FILE} fails with {@link ApiUnavailableException} when it cannot be
     * used; the service starts but takes no prompt file until it can.
     *
     * @param overrides   override properties (tests, benchmarks): over the file, under -D and the environment
     * @param env         the environment read for OPENAI_API_KEY, OPENAI_BASE_URL and misspelt LLM_* variables
     * @param commandLine settings given on the command line: over every other source
     * @param input       the file {@code run FILE} will run (its size bounds what the work queue can hold), or null
     */
    static PipelineApp start(Map<String, String> overrides, Map<String, String> env, Mode mode,
                             Map<String, PipelineOptions.Value> commandLine, Path input) throws Exception {
        SecretsLogFilter.install();
        AddPipeline added = new AddPipeline(env, mode, true, commandLine);
        added.inputBytes = input == null ? -1 : Files.size(input);
        Main main = camelMain(overrides, added);
        try {
            main.start();
        } catch (Exception e) {
            added.closeSimulator();
            stopQuietly(main);
            throw configurationError(e);
        }
        ApiHold hold = added.held == null ? null : new ApiHold(main.getCamelContext(), added.check, added.held,
                added.heldRoutes, added.pipeline.config().faults().probeInterval());
        if (hold != null) {
            hold.start();
        }
        return new PipelineApp(main, added, hold);
    }

    /**
     * The pipeline's settings as {@link #start} would resolve them, with where each came from: the same Camel
     * Main, configured but not started.
     */
    static Settings settings(Map<String, String> overrides, Map<String, String> env) throws Exception {
        return settings(overrides, env, Map.of());
    }

    static Settings settings(Map<String, String> overrides, Map<String, String> env,
                             Map<String, PipelineOptions.Value> commandLine) throws Exception {
        SecretsLogFilter.install();
        AddPipeline resolveOnly = new AddPipeline(env, Mode.SERVICE, false, commandLine);
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
        if (main.getShutdownStrategy() instanceof DefaultMainShutdownStrategy hangup) {
            // the application stops Camel itself on SIGTERM (close): a second, concurrent stop by Camel Main's own
            // hook would wait on the first and then force it
            hangup.disableHangupSupport();
        }
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
        private final Map<String, PipelineOptions.Value> commandLine;
        private Settings settings;
        private LlmPipeline pipeline;
        private volatile OpenAiSimulator simulator;
        /** The service's API check, when it failed: intake waits until the API answers. */
        private ApiCheck check;
        private ApiCheck.Outcome held;
        private final List<String> heldRoutes = new ArrayList<>();
        /** The size of the file to run, or -1 for the service. */
        private long inputBytes = -1;

        AddPipeline(Map<String, String> env, Mode mode, boolean add, Map<String, PipelineOptions.Value> commandLine) {
            this.env = env;
            this.mode = mode;
            this.add = add;
            this.commandLine = commandLine;
        }

        @Override
        public void configure(CamelContext context) {
            refuseSecondShutdownSetting(context, env);
            LlmPipeline llm = LlmPipeline.named(NAME).environment(env).templatesFrom(routesLocation())
                    .set("inbox.enabled", "true"); // the service watches its inbox unless told not to
            commandLine.values().forEach(v -> llm.force(PropertyNames.shortKey(v.key()), v.value(), v.source()));
            if (mode != Mode.SERVICE) {
                llm.force("inbox.enabled", "false").force("schedule.cron", "");
            } else {
                llm.set("management.port", Integer.toString(MANAGEMENT_PORT)); // health and metrics for orchestrators
            }
            if (mode == Mode.RUN_FILE_ON_SIMULATOR) {
                llm.force("base-url", Setting.SIMULATOR, "command line --simulator");
            }
            settings = llm.resolve(context);
            if (mode != Mode.SERVICE && keepRunsInStateFolder(settings)) {
                Path work = StateFolder.work(env);
                if (work != null) {
                    llm.set("work-dir", work.toString());
                    settings = llm.resolve(context);
                }
            }
            SecretsLogFilter.protect(settings.config().api().apiKey());
            SecretsLogFilter.protect(settings.config().broker().password());
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
            HeapCheck.warnIfQueueCannotFit(config, inputBytes, Runtime.getRuntime().maxMemory());
            // the API is asked while the pipeline's beans and routes are made: a network round trip and the loading
            // of an HTTP client, off the start's critical path
            ApiCheck apiCheck = api.simulated() ? null : new ApiCheck(config.api(), config.calls());
            CompletableFuture<ApiCheck.Outcome> checked = apiCheck == null ? null : ApiCheck.inBackground(apiCheck);
            // the application owns its context: its broker queues are plain jms: endpoints on the pipeline's client
            pipeline = llm.brokerComponent("jms").addTo(context);
            if (checked != null) {
                checkApi(context, pipeline.config(), apiCheck, checked.join());
            }
            long shutdownMs = pipeline.config().shutdown().timeout().toMillis();
            context.getShutdownStrategy().setTimeout(Math.max(1, (shutdownMs + 999) / 1000));
        }

        /**
         * Before any prompt is read, the API is asked whether it is there and takes the key. {@code run FILE}
         * stops at once when it cannot be used; the service starts without taking prompt files, says why once,
         * and begins when the API answers.
         */
        private void checkApi(CamelContext context, PipelineConfig config, ApiCheck apiCheck,
                ApiCheck.Outcome outcome) {
            if (outcome.ok()) {
                ApiCheck.warnIfModelUnlisted(config.api().model(), outcome.models());
                ResponseTimeouts timeouts = context.getRegistry().lookupByNameAndType(NAME + "-responseTimeouts",
                        ResponseTimeouts.class);
                if (timeouts != null) {
                    timeouts.reachable(); // a call that then gets no answer in time is slow, not cut off
                }
                return;
            }
            if (mode != Mode.SERVICE) {
                throw new ApiUnavailableException(outcome.message());
            }
            check = apiCheck;
            held = outcome;
            Model model = context.getCamelContextExtension().getContextPlugin(Model.class);
            for (String part : new String[] {"inbox", "schedule"}) {
                RouteDefinition route = model.getRouteDefinition(NAME + "-" + part);
                if (route != null) {
                    route.setAutoStartup("false");
                    if (part.equals("schedule") || config.inbox().enabled()) {
                        heldRoutes.add(route.getRouteId());
                    }
                }
            }
        }

        void closeSimulator() {
            if (simulator != null) {
                simulator.close();
            }
        }
    }

    /**
     * {@code run FILE} keeps its runs in the user's state folder when nothing else says where: no
     * {@code llm.work-dir}, and an outbox relative to the current directory (so the work folder next to it would
     * move with the directory the command is started from).
     */
    private static boolean keepRunsInStateFolder(Settings settings) {
        return settings.source("llm.work-dir").equals("default") && !settings.config().output().outbox().isAbsolute();
    }

    private static OpenAiSimulator startSimulator(PipelineConfig config) {
        SimulationConfig sim = config.simulation();
        SimulatorConfig simulator = SimulatorConfig.defaults()
                .withPort(0)
                .withLatencyMs(sim.latency().toMillis())
                .withJitterMs(sim.jitter().toMillis())
                .withRate429(sim.rate429())
                .withRate500(sim.rate500());
        if (sim.requestsPerMinute() > 0) {
            // a real server's limit: a bucket of one second's worth of calls, x-ratelimit-* headers on every answer,
            // so the pipeline paces to it instead of running into it
            simulator = simulator.withRpmLimit(sim.requestsPerMinute())
                    .withRateLimitBurstMs(Math.max(1000, (SimulatorConfig.MINUTE_MS + sim.requestsPerMinute() - 1)
                            / sim.requestsPerMinute()))
                    .withRateLimitHeaders(true);
        }
        OpenAiSimulator started = new OpenAiSimulator(simulator);
        started.start();
        return started;
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
            if (t instanceof ApiUnavailableException unavailable) {
                return unavailable;
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

    /** Whether the service is still waiting for the API to answer before it takes prompt files. */
    boolean holding() {
        return hold != null && hold.holding();
    }

    /**
     * Whether the API refuses the pipeline or cannot be reached: a fault no retry fixes (a refused key, an empty
     * account, an unknown model, a base URL that is not an API) or an outage still holds the calls.
     */
    public boolean apiUnavailable() {
        CallGate gate = context().getRegistry().lookupByNameAndType(NAME + "-callGate", CallGate.class);
        return gate != null && !gate.healthy();
    }

    /**
     * Stops the application, promptly and quietly: intake takes no further line and the prompts waiting at the call
     * gate (a rate limit, an outage, a fault) end without a result, so the next start sends them; the calls in
     * flight finish and are journaled (at most {@code llm.shutdown.timeout-ms}); then Camel stops, with nothing
     * left in flight.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (hold != null) {
            hold.close();
        }
        try {
            drain();
            main.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopQuietly(main);
        } catch (Exception e) {
            LOG.warn("error while stopping Camel: {}", e.getMessage());
        } finally {
            added.closeSimulator();
        }
    }

    /**
     * What Camel's graceful shutdown would do, without its one-second polls: a run's future completes inside its
     * last exchange, and held prompts end a moment after the gate lets go, so the exchanges still in flight are
     * waited for here, a few milliseconds at a time.
     */
    private void drain() throws InterruptedException {
        CamelContext context = context();
        if (context == null || !context.isStarted()) {
            return;
        }
        Intake intake = context.getRegistry().lookupByNameAndType(NAME + "-intake", Intake.class);
        CallGate gate = context.getRegistry().lookupByNameAndType(NAME + "-callGate", CallGate.class);
        if (intake != null) {
            intake.stopTakingLines();
        }
        if (gate != null) {
            gate.stop();
        }
        long until = System.nanoTime() + added.pipeline.config().shutdown().timeout().toNanos();
        while (context.getInflightRepository().size() > 0 && System.nanoTime() < until) {
            Thread.sleep(5);
        }
    }
}
