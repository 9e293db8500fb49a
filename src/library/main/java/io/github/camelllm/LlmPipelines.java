package io.github.camelllm;

import io.github.camelllm.config.Namespace;
import io.github.camelllm.config.Settings;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Adds the pipelines a host names in its properties, for a host configured by properties alone:
 * <pre>
 *   camel.main.configuration-classes = io.github.camelllm.LlmPipelines
 *   llm.pipelines = openai, local
 *   llm.openai.api-key = {{env:OPENAI_API_KEY}}
 *   llm.local.base-url = http://localhost:8000/v1
 *   llm.concurrency = 20                       # shared: both pipelines
 * </pre>
 * Each name becomes one {@link LlmPipeline} with its settings under {@code llm.NAME.*}, falling back to
 * {@code llm.*}.
 */
public class LlmPipelines implements CamelConfiguration {

    /** The host property that names the pipelines, comma-separated. */
    public static final String NAMES = Namespace.PIPELINES;

    @Override
    public void configure(CamelContext context) {
        Set<String> unique = names(context);
        if (unique.isEmpty()) {
            throw new Settings.ConfigException(NAMES + " names no pipeline: set it to one or more names, e.g. "
                    + NAMES + "=openai, whose settings are then llm.openai.base-url, llm.openai.api-key, ...");
        }
        add(context, unique);
    }

    /** Adds these pipelines to the context, each with its settings under {@code llm.NAME.*}. */
    public static void add(CamelContext context, Collection<String> names) {
        new LinkedHashSet<>(names).forEach(name -> LlmPipeline.named(name).addTo(context));
    }

    /** The names the host's {@value #NAMES} lists, in order; none when it is not set. */
    static Set<String> names(CamelContext context) {
        String names = context.getPropertiesComponent().resolveProperty(NAMES).orElse("");
        return new LinkedHashSet<>(Arrays.stream(names.split(",")).map(String::trim).filter(n -> !n.isEmpty())
                .toList());
    }
}
