package io.github.camelllm.wiring;

import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.config.Settings.ConfigException;
import org.apache.camel.CamelContext;

/**
 * The endpoints of {@code llm.output.uri} are resolved when the pipeline is added, not when the first result is
 * sent to them: a misspelt scheme or a component that is not on the class path is refused at start, naming it,
 * instead of failing every result of a run that then never ends.
 */
public final class OutputEndpoints {

    private OutputEndpoints() {
    }

    /** @throws ConfigException naming the property and the endpoint that cannot be used */
    public static void check(CamelContext camel, PipelineConfig config) {
        String property = config.names().of("output.uri");
        for (String part : config.output().uri().split(",")) {
            String uri = part.trim();
            if (uri.isEmpty() || uri.contains("${")) {
                continue; // none, or chosen per result (a simple expression): resolved when it is used
            }
            int colon = uri.indexOf(':');
            if (colon <= 0) {
                throw new ConfigException(property + ": '" + uri + "' is not an endpoint URI (scheme:..., e.g. "
                        + "file:results or kafka:llm-results)");
            }
            String scheme = uri.substring(0, colon);
            if (camel.getComponent(scheme) == null) {
                throw new ConfigException(property + ": '" + uri + "' names no Camel component '" + scheme + "' (a "
                        + "misspelt scheme, or its camel-" + scheme + " dependency is not on the class path)");
            }
            try {
                camel.getEndpoint(uri);
            } catch (RuntimeException e) {
                throw new ConfigException(property + ": '" + uri + "' cannot be used: " + rootMessage(e));
            }
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }
}
