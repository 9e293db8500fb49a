package io.github.camelllm.config;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;

import java.lang.reflect.Method;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * The names of the host's properties under a pipeline's prefix, so that a misspelt one is refused rather than
 * ignored. Camel's properties component lists what its own sources hold (application.properties, initial and
 * override properties); under Camel Spring Boot it reads values from the Spring Environment but cannot list them,
 * so the names are also taken from the Environment's enumerable property sources. The Environment is found as the
 * bean "environment" and read through its public methods, which keeps the library free of Spring.
 */
public final class HostPropertyNames {

    private HostPropertyNames() {
    }

    public static Set<String> under(CamelContext camel, String prefix) {
        Set<String> names = new LinkedHashSet<>();
        PropertiesComponent pc = camel.getPropertiesComponent();
        try {
            Properties listed = pc.loadProperties(key -> key.startsWith(prefix));
            names.addAll(listed.stringPropertyNames());
        } catch (RuntimeException e) {
            // a source that cannot be listed: the others still are
        }
        names.addAll(springEnvironment(camel, prefix));
        return names;
    }

    /** The names under {@code prefix} in a Spring Environment bound as "environment", or none. */
    static Set<String> springEnvironment(CamelContext camel, String prefix) {
        Set<String> names = new LinkedHashSet<>();
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
                    for (String name : listed) {
                        if (name != null && name.startsWith(prefix)) {
                            names.add(canonical(prefix, name));
                        }
                    }
                }
            } catch (ReflectiveOperationException | RuntimeException notEnumerable) {
                // a source that cannot list its names (Spring's own composite views among them)
            }
        }
        return names;
    }

    /**
     * Spring matches {@code NAME.retry.maxAttempts} to the setting {@code NAME.retry.max-attempts} (relaxed binding),
     * so such a name is the setting's, not a misspelling.
     */
    private static String canonical(String prefix, String name) {
        String uniform = uniform(name.substring(prefix.length()));
        for (String key : SettingsSpec.byKey().keySet()) {
            String shortKey = key.substring("llm.".length());
            if (uniform(shortKey).equals(uniform)) {
                return prefix + shortKey;
            }
        }
        return name;
    }

    private static String uniform(String key) {
        return key.replace("-", "").toLowerCase(Locale.ROOT);
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
