package io.github.camelllm;

import io.github.camelllm.config.Settings;

import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Adds the pipelines a host names in its properties, for a host configured by properties alone:
 * <pre>
 *   camel.main.configuration-classes = io.github.camelllm.LlmPipelines
 *   llm.pipelines = openai, local
 *   openai.api-key = {{env:OPENAI_API_KEY}}
 *   local.base-url = http://localhost:8000/v1
 * </pre>
 * Each name becomes one {@link LlmPipeline} with its settings under {@code NAME.*}.
 */
public class LlmPipelines implements CamelConfiguration {

    /** The host property that names the pipelines, comma-separated. */
    public static final String NAMES = Settings.PIPELINES;

    @Override
    public void configure(CamelContext context) {
        String names = context.getPropertiesComponent().resolveProperty(NAMES).orElse("");
        Set<String> unique = new LinkedHashSet<>(Arrays.stream(names.split(","))
                .map(String::trim).filter(n -> !n.isEmpty()).toList());
        if (unique.isEmpty()) {
            throw new Settings.ConfigException(NAMES + " names no pipeline: set it to one or more names, e.g. "
                    + NAMES + "=openai, whose settings are then openai.base-url, openai.api-key, ...");
        }
        unique.forEach(name -> LlmPipeline.named(name).addTo(context));
    }
}
