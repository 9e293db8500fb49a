package io.github.camelllm.config;


import io.github.camelllm.config.Settings.ConfigException;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.spi.PropertiesComponent;
import org.apache.camel.spi.PropertiesResolvedValue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Resolves every {@code llm.*} key of {@link SettingsSpec} with Camel's properties component, so precedence is
 * Camel's own: environment variable ({@code LLM_CONCURRENCY}) &gt; JVM system property
 * ({@code -Dllm.concurrency}) &gt; explicit overrides (embedding code, tests) &gt; {@code application.properties}
 * &gt; the default in the table. Then validates each value and refuses keys that are not in the table.
 * <p>
 * The component used here is a throwaway one: the running Camel context never sees the file, only the validated
 * values without the secrets.
 */
public final class SettingsResolver {

    private static final String[] SHUTDOWN_KEYS = {"camel.main.shutdown-timeout", "camel.main.shutdownTimeout"};

    private SettingsResolver() {
    }

    /**
     * @param overrides values that win over the file (but not over -D or the environment, as in Camel)
     * @param env       the process environment: OPENAI_API_KEY, OPENAI_BASE_URL and the check for misspelt
     *                  LLM_* names (the llm.* values themselves are looked up by Camel in the real environment)
     */
    public static Settings resolve(Map<String, String> overrides, Map<String, String> env) {
        String location = Files.isRegularFile(Path.of("application.properties"))
                ? "file:application.properties" : "classpath:application.properties";
        Properties defaults = new Properties();
        SettingsSpec.byKey().values().stream().filter(s -> s.defaultValue() != null)
                .forEach(s -> defaults.setProperty(s.key(), s.defaultValue()));
        Properties given = new Properties();
        overrides.forEach((k, v) -> given.setProperty(k, v == null ? "" : v));

        DefaultCamelContext camel = new DefaultCamelContext();
        try {
            PropertiesComponent pc = camel.getPropertiesComponent();
            pc.setLocation(location + ";optional=true");
            pc.setInitialProperties(defaults);
            pc.setOverrideProperties(given);

            Properties all = pc.loadProperties();
            rejectUnknown(all.stringPropertyNames(), overrides, env);
            rejectSecondShutdownSetting(all, env);

            Map<String, String> values = new LinkedHashMap<>();
            Map<String, String> sources = new HashMap<>();
            for (Setting setting : SettingsSpec.byKey().values()) {
                Optional<String> raw;
                try {
                    raw = pc.resolveProperty(setting.key());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(setting.key() + ": " + e.getMessage());
                }
                if (raw.isEmpty()) {
                    if (all.getProperty(setting.key()) != null) {
                        // Camel answers "not found" when a placeholder inside the value cannot be resolved
                        throw new ConfigException(setting.key() + ": a placeholder in '"
                                + all.getProperty(setting.key()) + "' names no setting");
                    }
                    continue;
                }
                String source = source(pc, setting);
                String checked;
                try {
                    checked = setting.check(raw.get());
                } catch (ConfigException e) {
                    throw new ConfigException(e.getMessage() + " (from " + source + ")");
                }
                values.put(setting.key(), withPlaceholders(pc, setting, checked));
                sources.put(setting.key(), source);
            }
            foldOpenAiVariables(values, sources, env);

            Properties camelOnly = new Properties();
            all.stringPropertyNames().stream().filter(k -> !k.startsWith("llm."))
                    .forEach(k -> camelOnly.setProperty(k, all.getProperty(k)));
            Settings settings = new Settings(values, sources, camelOnly);
            settings.checkTogether();
            return settings;
        } finally {
            camel.stop();
        }
    }

    /**
     * The settings of one pipeline inside a host application: each key {@code llm.x} is read as {@code NAME.x}
     * from the host's own properties (its Camel properties component, which under Spring Boot is the Spring
     * Environment), over the values the host's code gave, over the defaults in {@link SettingsSpec}. No file is
     * read and nothing of the process environment is consulted beyond what the host's properties do.
     * <p>
     * Defaults that would clash between two pipelines in one host are the instance's own: its endpoints
     * ({@code direct:NAME-prompts}, {@code seda:NAME-realtime}, ...) and, for a name other than {@code llm}, its
     * folders ({@code NAME/outbox}, and so {@code NAME/work}). The inbox is not watched unless asked for.
     *
     * @param name     the pipeline's name: the prefix of its properties
     * @param hostKeys the host's property names under {@code NAME.}, where they can be listed (to refuse misspelt
     *                 keys)
     * @param lookup   the host's value of a property, if any
     * @param given    values from the host's code, by short key ({@code concurrency}) or full key
     */
    public static Settings forPipeline(String name, Iterable<String> hostKeys, Function<String, Optional<String>> lookup,
                                Map<String, String> given) {
        String prefix = name + ".";
        for (String key : hostKeys) {
            if (key.equals(Settings.PIPELINES)) {
                continue; // the host's list of pipelines, not a setting of one
            }
            if (key.startsWith(prefix) && SettingsSpec.find("llm." + key.substring(prefix.length())) == null) {
                throw new ConfigException("unknown setting " + key + " (pipeline " + name + ")"
                        + closest("llm." + key.substring(prefix.length()), false).replace("llm.", prefix));
            }
        }
        Map<String, String> code = new HashMap<>();
        given.forEach((k, v) -> {
            String full = k.startsWith("llm.") ? k : "llm." + k;
            if (SettingsSpec.find(full) == null) {
                throw new ConfigException("unknown setting " + k + " given to pipeline " + name + closest(full, false));
            }
            code.put(full, v == null ? "" : v);
        });
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> sources = new HashMap<>();
        for (Setting setting : SettingsSpec.byKey().values()) {
            String property = prefix + setting.key().substring("llm.".length());
            Optional<String> fromHost;
            try {
                fromHost = lookup.apply(property);
            } catch (RuntimeException e) {
                throw new ConfigException(property + ": " + e.getMessage());
            }
            String raw;
            String source;
            if (fromHost.isPresent()) {
                raw = fromHost.get();
                source = "property " + property;
            } else if (code.containsKey(setting.key())) {
                raw = code.get(setting.key());
                source = "set by the application's code";
            } else {
                raw = instanceDefault(setting, name);
                source = "default";
            }
            if (raw == null || (raw.isEmpty() && setting.defaultValue() == null)) {
                continue;
            }
            String checked;
            try {
                checked = setting.check(raw);
            } catch (ConfigException e) {
                throw new ConfigException(e.getMessage().replaceFirst("^" + java.util.regex.Pattern.quote(
                        setting.key()), property) + " (from " + source + ")");
            }
            values.put(setting.key(), checked);
            sources.put(setting.key(), source);
        }
        Settings settings = new Settings(values, sources, new Properties());
        settings.checkTogether();
        return settings;
    }

    /** The default of a setting for pipeline {@code name} inside a host (see {@link #forPipeline}). */
    public static String instanceDefault(Setting setting, String name) {
        String value = setting.defaultValue();
        if (value == null) {
            return null;
        }
        if (setting.key().equals("llm.inbox.enabled")) {
            return "false";
        }
        value = value.replaceFirst("^(direct|seda):llm-", "$1:" + name + "-");
        if (!name.equals("llm") && (setting.key().equals("llm.outbox") || setting.key().equals("llm.inbox")
                || setting.key().equals("llm.schedule.folder"))) {
            value = name + "/" + value;
        }
        return value;
    }

    /**
     * A text such as the work-queue URI keeps its {@code {{llm.concurrency}}}: the routes' Camel resolves it from
     * the validated values, so it follows a value changed later with {@link Settings#with}.
     */
    private static String withPlaceholders(PropertiesComponent pc, Setting setting, String checked) {
        if (setting.type() != Setting.Type.TEXT && setting.type() != Setting.Type.REQUIRED_TEXT) {
            return checked;
        }
        return pc.getResolvedValue(setting.key()).map(PropertiesResolvedValue::originalValue)
                .filter(original -> original.contains("{{")).map(String::trim).orElse(checked);
    }

    /** Where Camel found the value, in words a user can act on. */
    private static String source(PropertiesComponent pc, Setting setting) {
        String where = pc.getResolvedValue(setting.key()).map(PropertiesResolvedValue::source).orElse("");
        if (where == null) {
            where = "";
        }
        return switch (where) {
            case "ENV" -> "environment variable " + setting.envName();
            case "SYS" -> "-D" + setting.key();
            case "OverrideProperties" -> "explicit override";
            case "InitialProperties" -> "default";
            default -> where.isEmpty() ? "application.properties" : where;
        };
    }

    /** The OpenAI SDKs' variables, used when the llm.* key is not set. */
    private static void foldOpenAiVariables(Map<String, String> values, Map<String, String> sources,
                                            Map<String, String> env) {
        if (values.getOrDefault(Settings.API_KEY, "").isEmpty()) {
            values.remove(Settings.API_KEY);
            String key = env.get("OPENAI_API_KEY");
            if (key != null && !key.isBlank()) {
                values.put(Settings.API_KEY, key.trim());
                sources.put(Settings.API_KEY, "environment variable OPENAI_API_KEY");
            }
        }
        String baseUrl = env.get("OPENAI_BASE_URL");
        if (!values.containsKey(Settings.BASE_URL) && baseUrl != null) {
            try {
                values.put(Settings.BASE_URL, SettingsSpec.find(Settings.BASE_URL).check(baseUrl));
            } catch (ConfigException e) {
                throw new ConfigException(e.getMessage() + " (from environment variable OPENAI_BASE_URL)");
            }
            sources.put(Settings.BASE_URL, "environment variable OPENAI_BASE_URL");
        }
    }

    /** A misspelt key would otherwise be ignored silently and its default used. */
    private static void rejectUnknown(Iterable<String> fileKeys, Map<String, String> overrides,
                                      Map<String, String> env) {
        TreeSet<String> keys = new TreeSet<>();
        fileKeys.forEach(keys::add);
        keys.addAll(overrides.keySet());
        System.getProperties().stringPropertyNames().forEach(keys::add);
        for (String key : keys) {
            if (key.startsWith("llm.") && SettingsSpec.find(key) == null) {
                throw new ConfigException("unknown setting " + key + where(key, overrides) + closest(key, false));
            }
        }
        Map<String, String> envNames = new HashMap<>();
        SettingsSpec.byKey().values().forEach(s -> envNames.put(s.envName(), s.key()));
        for (String name : new TreeSet<>(env.keySet())) {
            if (name.startsWith("LLM_") && !envNames.containsKey(name)) {
                throw new ConfigException("unknown setting " + name + " (environment variable)" + closest(name, true));
            }
        }
    }

    private static String where(String key, Map<String, String> overrides) {
        if (System.getProperty(key) != null) {
            return " (given as -D" + key + ")";
        }
        return overrides.containsKey(key) ? " (given as an explicit override)" : " (in application.properties)";
    }

    private static void rejectSecondShutdownSetting(Properties all, Map<String, String> env) {
        for (String key : SHUTDOWN_KEYS) {
            String envName = key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
            if (all.getProperty(key) != null || System.getProperty(key) != null || env.containsKey(envName)) {
                throw new ConfigException(key + " is not used: the one shutdown setting is llm.shutdown.timeout-ms "
                        + "(milliseconds)");
            }
        }
    }

    /** "; did you mean X?" for the known key nearest by edit distance, when one is near. */
    public static String closest(String name, boolean envStyle) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Setting s : SettingsSpec.byKey().values()) {
            String candidate = envStyle ? s.envName() : s.key();
            int d = distance(name, candidate);
            if (d < bestDistance) {
                bestDistance = d;
                best = candidate;
            }
        }
        return best != null && bestDistance <= Math.max(3, name.length() / 3) ? "; did you mean " + best + "?" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
