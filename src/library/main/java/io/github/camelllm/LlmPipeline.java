package io.github.camelllm;

import io.github.camelllm.config.HostPropertyNames;
import io.github.camelllm.config.Setting;
import io.github.camelllm.config.Settings;
import io.github.camelllm.config.SettingsResolver;
import io.github.camelllm.config.SettingsSpec;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.wiring.PipelineBeans;

import io.github.camelllm.config.Settings.ConfigException;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.TemplatedRouteBuilder;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.RouteTemplateParameterDefinition;
import org.apache.camel.spi.PropertiesComponent;
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
import java.util.Properties;
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
 * Settings: every key {@code llm.x} of the settings table is read as {@code NAME.x} from the host's properties
 * (Camel's properties component; under Spring Boot, the Spring Environment), over values given here with
 * {@link #set}, over the defaults in code. For the name {@code llm} the keys are exactly {@code llm.*}.
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

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");
    /** A setting named inside another's value, e.g. {@code {{llm.realtime.queue-size}}}. */
    private static final Pattern SETTING_PLACEHOLDER = Pattern.compile("\\{\\{(llm\\.[a-z0-9.-]+)}}");

    private final String name;
    private final Map<String, String> given = new LinkedHashMap<>();
    private Settings settings;
    private boolean simulated;
    private boolean ownsContext;
    private String templates = TEMPLATES;
    private CamelContext context;

    private LlmPipeline(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ConfigException("a pipeline name is lower-case letters and digits, words joined by '-' "
                    + "(it prefixes the pipeline's properties, route ids, endpoints and beans), got '" + name + "'");
        }
        this.name = name;
    }

    /** A pipeline whose properties are {@code NAME.*} and whose routes, endpoints and beans are named after it. */
    public static LlmPipeline named(String name) {
        return new LlmPipeline(name);
    }

    /**
     * A value for this pipeline from the host's code, by the key without its prefix ({@code "concurrency"},
     * {@code "base-url"}): used when the host's properties do not set {@code NAME.key}. Validated like the rest.
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

    /** The command line: settings already resolved from its own files, and maybe the built-in simulator. */
    public LlmPipeline asApplication(Settings resolved, boolean simulatedApi, String templateLocation) {
        this.settings = resolved;
        this.simulated = simulatedApi;
        this.ownsContext = true;
        this.templates = templateLocation;
        return this;
    }

    /**
     * Resolves and checks the settings, binds the beans and adds the routes to this context (before or after it
     * started). Throws {@link ConfigException} naming the first bad setting.
     */
    public LlmPipeline addTo(CamelContext camel) {
        if (context != null) {
            throw new IllegalStateException("pipeline " + name + " was already added to a context");
        }
        Settings resolved = settings != null ? settings : settingsFrom(camel);
        if (!ownsContext) {
            checkApiChosen(resolved);
            if (!resolved.isSet(Settings.BASE_URL)) {
                resolved = resolved.with(Map.of(Settings.BASE_URL, Settings.OPENAI_URL));
            }
        }
        if (camel.getRegistry().lookupByName(name + "-runs") != null) {
            throw new ConfigException("a pipeline named " + name + " is already in this CamelContext");
        }
        new PipelineBeans(resolved, name, simulated, ownsContext).configure(camel);
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
        this.settings = resolved;
        this.context = camel;
        LOG.info("Pipeline {} added: {} with model {}, concurrency {}, input {}", name,
                resolved.get(Settings.BASE_URL, "(no base URL)"), resolved.get("llm.model"),
                resolved.get("llm.concurrency"), resolved.get("llm.input.uri"));
        return this;
    }

    private Settings settingsFrom(CamelContext camel) {
        PropertiesComponent pc = camel.getPropertiesComponent();
        return SettingsResolver.forPipeline(name, HostPropertyNames.under(camel, name + "."), pc::resolveProperty,
                given);
    }

    /** Inside a host there is no quick start: no base URL and no key is an error, and the simulator is the app's. */
    private void checkApiChosen(Settings resolved) {
        if (resolved.isSet(Settings.BASE_URL) && Setting.SIMULATOR.equals(resolved.get(Settings.BASE_URL))) {
            throw new ConfigException(name + ".base-url=" + Setting.SIMULATOR + ": the built-in simulator is part of "
                    + "the command-line application; start it with 'java -jar camel-llm-pipeline-app.jar simulate' and "
                    + "set " + name + ".base-url to its URL");
        }
        if (!resolved.isSet(Settings.BASE_URL) && resolved.apiKey().isEmpty()) {
            throw new ConfigException("pipeline " + name + " has no API to call: set " + name + ".base-url (an "
                    + "OpenAI-compatible server) and/or " + name + ".api-key (for OpenAI itself)");
        }
    }

    /**
     * The values a template may read: every setting but the secrets, with the settings a value names
     * ({@code {{llm.realtime.queue-size}}} in the work-queue URI) filled in, since a template is given only the
     * parameters it declares and its routes read their own pipeline's values, not the context's properties.
     */
    private static Map<String, String> parameterValues(Settings s) {
        Map<String, String> plain = new LinkedHashMap<>();
        Properties values = s.camelProperties();
        values.stringPropertyNames().forEach(k -> {
            if (!SettingsSpec.find(k).secret()) {
                plain.put(k, values.getProperty(k));
            }
        });
        return fillIn(plain);
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
        Collection<Resource> files = PluginHelper.getPackageScanResourceResolver(camel).findResources(location);
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
        return started().get("llm.input.uri");
    }

    /** This pipeline's validated settings (secrets are never shown by {@link Settings#describe()}). */
    public Settings settings() {
        return started();
    }

    /** The runs of this pipeline: their journals, results and summaries. */
    public RunRegistry runs() {
        started();
        return context.getRegistry().lookupByNameAndType(name + "-runs", RunRegistry.class);
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

    private Settings started() {
        if (context == null) {
            throw new IllegalStateException("pipeline " + name + " is not added to a context yet (addTo)");
        }
        return settings;
    }
}
