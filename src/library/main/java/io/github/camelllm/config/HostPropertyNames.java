package io.github.camelllm.config;

import org.apache.camel.CamelContext;

import java.lang.reflect.Method;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The names of the host's properties in a Spring Environment, so that a misspelt one is refused rather than
 * ignored: under Camel Spring Boot, Camel's properties component reads values from the Spring Environment but cannot
 * list them, so the names are taken from the Environment's enumerable property sources. The Environment is found as
 * the bean "environment" and read through its public methods, which keeps the library free of Spring.
 */
public final class HostPropertyNames {

    private HostPropertyNames() {
    }

    /**
     * The names under {@code prefix} in a Spring Environment bound as "environment" (none without one), each with
     * the property source that holds it.
     */
    static Map<String, String> springEnvironment(CamelContext camel, String prefix) {
        Map<String, String> names = new LinkedHashMap<>();
        Object environment;
        try {
            environment = camel.getRegistry().lookupByName("environment");
        } catch (RuntimeException e) {
            return names;
        }
        if (environment == null) {
            return names;
        }
        Object sources;
        try {
            sources = publicMethod(environment, "getPropertySources").invoke(environment);
        } catch (ReflectiveOperationException | RuntimeException notAnEnvironment) {
            return names;
        }
        if (!(sources instanceof Iterable<?> each)) {
            return names;
        }
        for (Object source : each) {
            try {
                if (publicMethod(source, "getPropertyNames").invoke(source) instanceof String[] listed) {
                    String where = "Spring Environment (" + sourceName(source) + ")";
                    for (String name : listed) {
                        if (name != null && name.startsWith(prefix)) {
                            names.putIfAbsent(canonical(name), where);
                        }
                    }
                }
            } catch (ReflectiveOperationException | RuntimeException notEnumerable) {
                // a source that cannot list its names (Spring's own composite views among them)
            }
        }
        return names;
    }

    private static String sourceName(Object source) {
        try {
            return String.valueOf(publicMethod(source, "getName").invoke(source));
        } catch (ReflectiveOperationException | RuntimeException unnamed) {
            return source.getClass().getSimpleName();
        }
    }

    /**
     * Spring matches {@code llm.NAME.retry.maxAttempts} (or {@code max_attempts}) to the setting
     * {@code llm.NAME.retry.max-attempts} (relaxed binding), so such a name is the setting's, not a misspelling.
     */
    static String canonical(String name) {
        if (name.matches(java.util.regex.Pattern.quote(Namespace.PIPELINES) + "\\[[0-9]+]")) {
            return Namespace.PIPELINES; // llm.pipelines as a YAML list: llm.pipelines[0], llm.pipelines[1], ...
        }
        String rest = name.substring(PropertyNames.PREFIX.length());
        String key = canonicalShortKey(rest);
        if (key != null) {
            return PropertyNames.PREFIX + key;
        }
        int dot = rest.indexOf('.');
        if (dot > 0) {
            String inPipeline = canonicalShortKey(rest.substring(dot + 1));
            if (inPipeline != null) {
                return PropertyNames.PREFIX + rest.substring(0, dot) + "." + inPipeline;
            }
        }
        return name;
    }

    private static String canonicalShortKey(String spelt) {
        String uniform = uniform(spelt);
        for (String key : SettingsSpec.byKey().keySet()) {
            String shortKey = PropertyNames.shortKey(key);
            if (uniform(shortKey).equals(uniform)) {
                return shortKey;
            }
        }
        return null;
    }

    private static String uniform(String key) {
        return key.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    }

    /** A public method by name, looked up through public types so that a non-public implementation can be called. */
    private static Method publicMethod(Object target, String name) throws NoSuchMethodException {
        for (Class<?> type = target.getClass(); type != null; type = type.getSuperclass()) {
            if (java.lang.reflect.Modifier.isPublic(type.getModifiers())) {
                try {
                    return type.getMethod(name);
                } catch (NoSuchMethodException next) {
                    // an interface of a public type may still have it
                }
            }
            for (Class<?> api : type.getInterfaces()) {
                if (java.lang.reflect.Modifier.isPublic(api.getModifiers())) {
                    try {
                        return api.getMethod(name);
                    } catch (NoSuchMethodException next) {
                        // keep looking
                    }
                }
            }
        }
        throw new NoSuchMethodException(name);
    }
}
