package io.github.camelllm.config;

import io.github.camelllm.config.Settings.ConfigException;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.PropertiesResolvedValue;
import org.apache.camel.util.OrderedLocationProperties;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host's properties as a pipeline reads them: each value through the host's Camel properties component (so
 * precedence is Camel's: environment variable &gt; -D &gt; override properties &gt; files &gt; initial
 * properties; under Camel Spring Boot, the Spring Environment), and the names it holds under {@code llm.}, from
 * every source that can list them, to refuse the ones that are no setting.
 */
public final class HostProperties {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^}]*)}}");

    private final CamelContext camel;
    private final Map<String, String> environment;

    /**
     * @param environment the process environment: OPENAI_API_KEY / OPENAI_BASE_URL for the default pipeline, and
     *                    the LLM_* variables to check (Camel itself reads the real one)
     */
    public HostProperties(CamelContext camel, Map<String, String> environment) {
        this.camel = camel;
        this.environment = Map.copyOf(environment);
    }

    public Map<String, String> environment() {
        return environment;
    }

    /**
     * The host's value of a property, if any. A value whose placeholder names an {@code llm.*} setting the host
     * does not set is kept as written: the routes resolve it from the pipeline's own value.
     */
    public Optional<String> value(String property) {
        PropertiesComponent pc = camel.getPropertiesComponent();
        Optional<String> value;
        try {
            value = pc.resolveProperty(property);
        } catch (RuntimeException e) {
            throw new ConfigException(property + ": " + e.getMessage());
        }
        if (value.isPresent()) {
            return value;
        }
        String raw = raw(property);
        if (raw == null) {
            return Optional.empty();
        }
        // Camel answers "not found" when a placeholder inside the value cannot be resolved
        Matcher m = PLACEHOLDER.matcher(raw);
        boolean any = false;
        while (m.find()) {
            any = true;
            String inner = m.group(1).trim();
            if (!inner.startsWith(PropertyNames.PREFIX) || SettingsSpec.find(inner) == null) {
                Setting s = SettingsSpec.find(property);
                boolean secret = s != null && s.secret();
                throw new ConfigException(property + ": a placeholder in " + (secret ? "its value" : "'" + raw + "'")
                        + " names no property (from " + listedSource(property) + ")");
            }
        }
        return any ? Optional.of(raw) : Optional.empty();
    }

    /** Where the host's value of a property came from, in words a user can act on. */
    public String source(String property) {
        String where = camel.getPropertiesComponent().getResolvedValue(property)
                .map(PropertiesResolvedValue::source).orElse(null);
        if (where == null || where.isEmpty()) {
            return listedSource(property);
        }
        return switch (where) {
            case "ENV" -> "environment variable " + Setting.envName(property);
            case "SYS" -> "-D" + property;
            case "OverrideProperties", "override" -> "override properties";
            case "InitialProperties", "initial" -> "initial properties";
            default -> where;
        };
    }

    /**
     * Every property name under {@code llm.} that the host holds where it can be listed, with where it is: Camel's
     * own sources (files, initial and override properties), JVM system properties, and the Spring Environment's
     * enumerable sources (its relaxed spellings made canonical).
     */
    public Map<String, String> names() {
        Map<String, String> names = new LinkedHashMap<>();
        try {
            Properties listed = camel.getPropertiesComponent().loadProperties(k -> k.startsWith(PropertyNames.PREFIX));
            for (String key : listed.stringPropertyNames()) {
                names.put(key, location(listed, key));
            }
        } catch (RuntimeException e) {
            // a source that cannot be listed: the others still are
        }
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith(PropertyNames.PREFIX)) {
                names.put(key, "-D" + key);
            }
        }
        HostPropertyNames.springEnvironment(camel, PropertyNames.PREFIX).forEach(names::putIfAbsent);
        return names;
    }

    private String listedSource(String property) {
        String where = names().get(property);
        if (where != null) {
            return where;
        }
        return environment.containsKey(Setting.envName(property)) ? "environment variable "
                + Setting.envName(property) : "the host's properties";
    }

    private static String location(Properties listed, String key) {
        String where = listed instanceof OrderedLocationProperties olp ? olp.getLocation(key) : null;
        if (where == null || where.isEmpty()) {
            return "the host's properties";
        }
        return switch (where) {
            case "initial" -> "initial properties";
            case "override" -> "override properties";
            default -> where;
        };
    }

    /** The value as written, before Camel resolves placeholders in it, from a source that can be read so. */
    private String raw(String property) {
        String env = System.getenv(Setting.envName(property));
        if (env != null) {
            return env;
        }
        String sys = System.getProperty(property);
        if (sys != null) {
            return sys;
        }
        try {
            return camel.getPropertiesComponent().loadProperties(property::equals).getProperty(property);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
