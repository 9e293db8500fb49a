package io.github.camelllm;

import io.github.camelllm.config.HostProperties;
import io.github.camelllm.config.Namespace;
import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.config.PropertyNames;
import io.github.camelllm.config.Setting;
import io.github.camelllm.config.Settings;
import io.github.camelllm.config.Settings.ConfigException;
import io.github.camelllm.config.SettingsResolver;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.observe.PipelineObserver;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.wiring.OutputEndpoints;
import io.github.camelllm.wiring.PipelineBeans;
import io.github.camelllm.wiring.TemplateFiles;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.StartupListener;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.RouteTemplateParameterDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.PluginHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One pipeline inside a CamelContext: its beans and the routes made from the pipeline's route templates
 * ({@code llm-pipeline-*}, from {@code routes/*.camel.yaml}), all named after the pipeline so that several
 * pipelines and the host's own routes live side by side in one context.
 * <pre>
 *   LlmPipeline openai = LlmPipeline.named("openai").addTo(camelContext);
 *   producer.sendBody(openai.inputUri(), "Say hello");        // direct:openai-prompts
 * </pre>
 * Settings (see {@link SettingsResolver}): the default pipeline {@code llm} reads the table's keys {@code llm.x}
 * from the host's properties (Camel's properties component; under Spring Boot, the Spring Environment); a pipeline
 * NAME reads {@code llm.NAME.x}, then the shared {@code llm.x}; values given here with {@link #set} count when no
 * property of the pipeline sets the key, the defaults in code last. Every {@code llm.*} property of the host must
 * be a setting: a misspelt one stops the pipeline rather than being ignored.
 * <p>
 * Inside a host the pipeline touches nothing of the host's: it calls the API with its own HTTP client (the key goes
 * only to its base URL), binds only {@code NAME-*} beans, adds only {@code NAME-*} routes and {@code direct:NAME-*}
 * / {@code seda:NAME-*} endpoints, and reads no file of its own.
 */
public final class LlmPipeline {

    private static final Logger LOG = LoggerFactory.getLogger(LlmPipeline.class);

    /** Where the route templates are packaged in the jar. */
    public static final String TEMPLATES = "classpath:camel-llm-pipeline/routes/*.camel.yaml";
    /** Every route template of the pipeline has an id with this prefix. */
    public static final String TEMPLATE_PREFIX = "llm-pipeline-";

    /** A setting named inside another's value, e.g. {@code {{llm.realtime.queue-size}}}. */
    private static final Pattern SETTING_PLACEHOLDER = Pattern.compile("\\{\\{(llm\\.[a-z0-9.-]+)}}");

    private final String name;
    private final Map<String, String> given = new LinkedHashMap<>();
    private final Map<String, String> forced = new LinkedHashMap<>();
    private final Map<String, String> forcedSources = new LinkedHashMap<>();
    private Map<String, String> environment = System.getenv();
    private boolean simulated;
    private String templates = TEMPLATES;
    private String brokerScheme;
    private Settings settings;
    private CamelContext context;

    private LlmPipeline(String name) {
        Namespace.checkName(name);
        this.name = name;
    }

    /**
     * A pipeline whose properties are {@code llm.NAME.x} (the name {@code llm}: the default pipeline, exactly the
     * {@code llm.x} keys) and whose routes, endpoints and beans are named after it.
     */
    public static LlmPipeline named(String name) {
        return new LlmPipeline(name);
    }

    /**
     * A value for this pipeline from the host's code, by the key without its prefix ({@code "concurrency"},
     * {@code "base-url"}): used when no property of this pipeline sets it. Validated like the rest.
     */
    public LlmPipeline set(String key, String value) {
        given.put(key, value);
        return this;
    }

    /** As {@link #set(String, String)}, for several values. */
    public LlmPipeline set(Map<String, String> values) {
        given.putAll(values);
        return this;
    }

    /**
     * A value from the host's code that wins over every property: for what the host decides itself (the
     * command line's {@code run FILE} watches no inbox, whatever the properties say). Validated like the rest.
     */
    public LlmPipeline force(String key, String value) {
        forced.put(key, value);
        forcedSources.remove(key);
        return this;
    }

    /**
     * As {@link #force(String, String)}, saying where the value came from in words a user can act on (a command
     * line option): shown by {@link Settings#source} and named in the error when the value is refused.
     */
    public LlmPipeline force(String key, String value, String source) {
        forced.put(key, value);
        forcedSources.put(key, source);
        return this;
    }

    /**
     * The process environment to read: OPENAI_API_KEY / OPENAI_BASE_URL (default pipeline) and the {@code LLM_*}
     * variables checked for misspellings. By default the real one; Camel's properties component reads that one
     * for the values of {@code LLM_*} variables either way.
     */
    public LlmPipeline environment(Map<String, String> variables) {
        this.environment = Map.copyOf(variables);
        return this;
    }

    /** The answers come from a simulator, not a model: every result and summary says so. */
    public LlmPipeline simulatedAnswers(boolean simulatedAnswers) {
        this.simulated = simulatedAnswers;
        return this;
    }

    /**
     * Also registers the pipeline's broker client (llm.broker.*) as the component {@code scheme}, e.g. {@code jms},
     * for an application that owns its context and whose queue URIs (llm.input.uri, llm.output.uri) are plain
     * {@code jms:} ones. It is registered before those endpoints are resolved, so none of them is created on a
     * client without a connection. A host that has its own component of that name keeps it: the pipeline refuses
     * to replace it.
     */
    public LlmPipeline brokerComponent(String scheme) {
        this.brokerScheme = scheme;
        return this;
    }

    /** Route templates from another location (a folder of edited copies), instead of the ones in the jar. */
    public LlmPipeline templatesFrom(String location) {
        this.templates = location;
        return this;
    }

    /**
     * Resolves and checks this pipeline's settings against the context's properties, without adding anything:
     * what {@link #addTo} would use. Throws {@link ConfigException} naming the first bad property.
     */
    public Settings resolve(CamelContext camel) {
        HostProperties host = new HostProperties(camel, environment);
        Namespace.check(host, knownPipelines(camel), false);
        return SettingsResolver.resolve(name, host, given, forced, forcedSources);
    }

    /**
     * Resolves and checks the settings, binds the beans and adds the routes to this context (before or after it
     * started). Throws {@link ConfigException} naming the first bad setting.
     */
    public LlmPipeline addTo(CamelContext camel) {
        if (context != null) {
            throw new IllegalStateException("pipeline " + name + " was already added to a context");
        }
        if (pipelinesIn(camel).containsKey(name)) {
            throw new ConfigException("a pipeline named " + name + " is already in this CamelContext");
        }
        Settings resolved = resolve(camel);
        PipelineConfig config = resolved.config();
        checkApiChosen(config);
        checkNothingShared(camel, config);
        if (brokerScheme != null && config.broker().enabled() && camel.hasComponent(brokerScheme) != null) {
            throw new ConfigException("pipeline " + name + ": the context already has a component '" + brokerScheme
                    + "'; the pipeline's broker client (llm.broker.url) cannot also be registered under that name");
        }
        new PipelineBeans(config, simulated).brokerComponent(brokerScheme).configure(camel);
        // after the beans: an output on the pipeline's own broker resolves with its client
        OutputEndpoints.check(camel, config);
        try {
            loadTemplates(camel, templates);
            Map<String, String> values = parameterValues(resolved);
            Map<RouteTemplateDefinition, Map<String, String>> routes = new LinkedHashMap<>();
            for (RouteTemplateDefinition template : templates(camel)) {
                routes.put(template, parametersOf(template, name, values)); // every template checked before any route
            }
            routes.forEach((template, parameters) -> {
                String part = template.getId().substring(TEMPLATE_PREFIX.length());
                TemplatedRouteBuilder builder = TemplatedRouteBuilder.builder(camel, template.getId())
                        .routeId(name + "-" + part);
                parameters.forEach(builder::parameter);
                builder.add(); // unless the template's precondition leaves the route out
            });
        } catch (ConfigException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("pipeline " + name + ": the routes could not be added: " + e.getMessage(),
                    e);
        }
        if (!camel.isStarted()) {
            // keys of pipelines not added yet are let through above; once every pipeline is in, none may be left
            try {
                camel.addStartupListener(new StartupListener() {
                    @Override
                    public void onCamelContextStarting(CamelContext started, boolean alreadyStarted) {
                        Namespace.check(new HostProperties(started, environment), pipelinesIn(started).keySet(),
                                true);
                    }

                    @Override
                    public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                        // checked while starting, before any route consumes
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException("pipeline " + name + ": " + e.getMessage(), e);
            }
        }
        this.settings = resolved;
        this.context = camel;
        camel.getRegistry().bind(name + "-pipeline", this);
        LOG.info("Pipeline {} added: {} with model {}, concurrency {}, input {}", name, config.api().baseUrl(),
                config.api().model(), config.calls().concurrency(), config.input().uri());
        return this;
    }

    /** The pipelines already in a context, by name. */
    private static Map<String, LlmPipeline> pipelinesIn(CamelContext camel) {
        Map<String, LlmPipeline> byName = new TreeMap<>();
        camel.getRegistry().findByTypeWithName(LlmPipeline.class).values().forEach(p -> byName.put(p.name, p));
        return byName;
    }

    /** The pipelines of the context, this one, and those the host's llm.pipelines names. */
    private Set<String> knownPipelines(CamelContext camel) {
        Set<String> known = new TreeSet<>(pipelinesIn(camel).keySet());
        known.add(name);
        known.addAll(LlmPipelines.names(camel));
        return known;
    }

    /** Inside a host there is no quick start: no base URL and no key is an error, and the simulator is the app's. */
    private void checkApiChosen(PipelineConfig config) {
        PropertyNames names = config.names();
        if (Setting.SIMULATOR.equals(config.api().baseUrl())) {
            throw new ConfigException(names.of("base-url") + "=" + Setting.SIMULATOR + ": the built-in simulator is "
                    + "part of the command-line application; start it with 'java -jar camel-llm-pipeline-app.jar "
                    + "simulate' and set " + names.of("base-url") + " to its URL");
        }
        if (config.api().baseUrl() == null) {
            throw new ConfigException("pipeline " + name + " has no API to call: set " + names.of("base-url")
                    + " (an OpenAI-compatible server) and/or " + names.apiKey() + " (for OpenAI itself)");
        }
    }

    /**
     * Two pipelines of one context must not share an endpoint they consume from or a folder they own: a value
     * inherited from a shared {@code llm.x} would otherwise make them take each other's prompts or runs.
     */
    private void checkNothingShared(CamelContext camel, PipelineConfig mine) {
        for (LlmPipeline other : pipelinesIn(camel).values()) {
            PipelineConfig theirs = other.config();
            Map<String, Object[]> pairs = new LinkedHashMap<>();
            pairs.put("input.uri", new Object[] {mine.input().uri(), theirs.input().uri()});
            pairs.put("realtime.queue-uri", new Object[] {mine.queue().uri(), theirs.queue().uri()});
            pairs.put("results.uri", new Object[] {mine.queue().resultsUri(), theirs.queue().resultsUri()});
            pairs.put("batch.queue-uri", new Object[] {mine.batch().queueUri(), theirs.batch().queueUri()});
            pairs.put("work-dir", new Object[] {mine.runs().workRoot().toAbsolutePath().normalize(),
                    theirs.runs().workRoot().toAbsolutePath().normalize()});
            if (mine.inbox().enabled() && theirs.inbox().enabled()) {
                pairs.put("inbox", new Object[] {mine.inbox().folder().toAbsolutePath().normalize(),
                        theirs.inbox().folder().toAbsolutePath().normalize()});
            }
            pairs.forEach((key, both) -> {
                if (both[0].equals(both[1])) {
                    throw new ConfigException(mine.names().of(key) + " is " + both[0] + ", as for pipeline "
                            + other.name + ": two pipelines of one context cannot share it; set "
                            + mine.names().of(key) + " (or " + theirs.names().of(key) + ")");
                }
            });
        }
    }

    /**
     * The values a template may read: every setting but the secrets, by table key ({@code llm.x}), with the
     * settings a value names ({@code {{llm.realtime.queue-size}}} in the work-queue URI) filled in, since a template
     * is given only the parameters it declares and its routes read their own pipeline's values, not the context's
     * properties.
     */
    private static Map<String, String> parameterValues(Settings s) {
        return fillIn(s.templateParameters());
    }

    /** The values with the settings they name filled in. */
    static Map<String, String> fillIn(Map<String, String> values) {
        Map<String, String> filled = new LinkedHashMap<>();
        values.forEach((k, v) -> filled.put(k, fillIn(k, v, values)));
        return filled;
    }

    /** A value with the settings it names filled in (a name that is no setting, or a secret, is left to Camel). */
    private static String fillIn(String key, String value, Map<String, String> values) {
        String filled = value;
        for (int depth = 0; filled.contains("{{"); depth++) {
            if (depth == 10) {
                throw new ConfigException(key + "=" + value + ": its placeholders name each other in a circle");
            }
            Matcher m = SETTING_PLACEHOLDER.matcher(filled);
            StringBuilder sb = new StringBuilder();
            boolean any = false;
            while (m.find()) {
                String named = values.get(m.group(1));
                any |= named != null;
                m.appendReplacement(sb, Matcher.quoteReplacement(named != null ? named : m.group()));
            }
            m.appendTail(sb);
            if (!any) {
                break;
            }
            filled = sb.toString();
        }
        return filled;
    }

    /**
     * The parameters a template declares, and only those: the pipeline's name and the settings its routes read. A
     * declared setting without a value takes the template's default; without one either it is an error naming both.
     */
    static Map<String, String> parametersOf(RouteTemplateDefinition template, String name, Map<String, String> values) {
        Map<String, String> given = new LinkedHashMap<>();
        for (RouteTemplateParameterDefinition declared : template.getTemplateParameters()) {
            String key = declared.getName();
            if (key.equals("name")) {
                given.put(key, name);
            } else if (values.containsKey(key)) {
                given.put(key, values.get(key));
            } else if (declared.getDefaultValue() == null) {
                throw new ConfigException("pipeline " + name + ": route template " + template.getId() + " reads "
                        + key + ", which has no value and no default in the template");
            }
        }
        return given;
    }

    /** Loads the route templates into the context once, whichever pipeline comes first. */
    static synchronized void loadTemplates(CamelContext camel, String location) throws Exception {
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
        if (model.getRouteTemplateDefinition(TEMPLATE_PREFIX + "results") != null) {
            return;
        }
        Collection<Resource> files = TemplateFiles.at(camel, location);
        if (files.isEmpty()) {
            throw new IllegalStateException("no route templates found at " + location);
        }
        PluginHelper.getRoutesLoader(camel).loadRoutes(files);
    }

    private static List<RouteTemplateDefinition> templates(CamelContext camel) {
        Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
        List<RouteTemplateDefinition> pipeline = new ArrayList<>();
        for (RouteTemplateDefinition t : model.getRouteTemplateDefinitions()) {
            if (t.getId().startsWith(TEMPLATE_PREFIX)) {
                pipeline.add(t);
            }
        }
        return pipeline;
    }

    public String name() {
        return name;
    }

    /** The endpoint that takes prompts as messages (by default {@code direct:NAME-prompts}). */
    public String inputUri() {
        return config().input().uri();
    }

    /** This pipeline's validated settings with where each came from (secrets are never shown). */
    public Settings settings() {
        started();
        return settings;
    }

    /** This pipeline's typed configuration. */
    public PipelineConfig config() {
        return settings().config();
    }

    /** The runs of this pipeline: their journals, results and summaries. */
    public RunRegistry runs() {
        started();
        return context.getRegistry().lookupByNameAndType(name + "-runs", RunRegistry.class);
    }

    /** What can be seen of this pipeline's runs while they go: progress, meters, health, the status page. */
    public PipelineObserver observer() {
        started();
        return context.getRegistry().lookupByNameAndType(name + "-observer", PipelineObserver.class);
    }

    /**
     * Runs one prompt file through this pipeline, leaving the file where it is. Returns when intake has read the
     * whole file; the future completes when every line has its result.
     */
    public CompletableFuture<RunSummary> submitFile(Path file) {
        started();
        Exchange exchange = new DefaultExchange(context);
        exchange.getMessage().setBody(file.toAbsolutePath());
        exchange.setProperty(LlmConstants.ARCHIVE, false);
        Exchange done = context.createProducerTemplate().send("direct:" + name + "-run-file", exchange);
        if (done.getException() != null) {
            return CompletableFuture.failedFuture(done.getException());
        }
        String rejected = done.getProperty(LlmConstants.REJECTED, String.class);
        if (rejected != null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(rejected));
        }
        String runId = done.getProperty(LlmConstants.RUN_ID, String.class);
        if (runId == null) {
            return CompletableFuture.completedFuture(null); // same content already completed: skipped
        }
        var completion = runs().completionOf(runId); // in progress, finished, stopped, or written again
        return completion != null ? completion : CompletableFuture.completedFuture(runs().lastSummary(runId));
    }

    private void started() {
        if (context == null) {
            throw new IllegalStateException("pipeline " + name + " is not added to a context yet (addTo)");
        }
    }
}
