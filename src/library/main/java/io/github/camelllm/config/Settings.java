package io.github.camelllm.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The validated {@code llm.*} settings. Keys, types, defaults and limits are declared once, in
 * {@link SettingsSpec}; precedence is Camel's (see {@link SettingsResolver}). Every value was checked when these
 * settings were made, so the accessors only convert.
 * <p>
 * The API key and other secrets are kept out of {@link #camelProperties()}, so they never reach Camel's
 * properties component, its logs or its dumps.
 */
public final class Settings {

    public static final String API_KEY = "llm.api-key";
    public static final String BASE_URL = "llm.base-url";
    /** The host property that names the pipelines of {@code io.github.camelllm.LlmPipelines}, not a setting. */
    public static final String PIPELINES = "llm.pipelines";
    /** The API called when a key is set and no base URL. */
    public static final String OPENAI_URL = "https://api.openai.com/v1";

    private final Map<String, String> values;
    private final Map<String, String> sources;
    private final Properties camelOnly;

    Settings(Map<String, String> values, Map<String, String> sources, Properties camelOnly) {
        this.values = Map.copyOf(values);
        this.sources = Map.copyOf(sources);
        this.camelOnly = camelOnly;
    }

    /**
     * Resolves and validates every setting: the defaults in {@link SettingsSpec}, {@code application.properties}
     * (./ when present, else the copy in the jar; none at all is fine), these overrides, -D system properties and
     * environment variables, in Camel's order. Throws {@link ConfigException} naming the first bad key.
     *
     * @param env the process environment (for OPENAI_API_KEY, OPENAI_BASE_URL and the misspelt-name check)
     */
    public static Settings load(Map<String, String> overrides, Map<String, String> env) {
        return SettingsResolver.resolve(overrides, env);
    }

    public String get(String key) {
        String v = values.get(declared(key).key());
        if (v == null) {
            throw new ConfigException(key + " is not set");
        }
        return v;
    }

    /** The value, or the fallback when it is unset or empty. */
    public String get(String key, String fallback) {
        String v = values.get(declared(key).key());
        return v == null || v.isEmpty() ? fallback : v;
    }

    public int getInt(String key, int min) {
        return Math.toIntExact(getLong(key, min));
    }

    public long getLong(String key, long min) {
        long v = Long.parseLong(get(key));
        if (v < min) {
            throw new ConfigException(key + " must be at least " + min + ", got " + v);
        }
        return v;
    }

    public double getDouble(String key, double min, double max) {
        double v = Double.parseDouble(get(key));
        if (v < min || v > max) {
            throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + v);
        }
        return v;
    }

    public boolean getBoolean(String key) {
        return Boolean.parseBoolean(get(key));
    }

    /** The API key, or "" when none is set. */
    public String apiKey() {
        return values.getOrDefault(API_KEY, "");
    }

    /** Whether a value was set for this key anywhere (only keys without a default can be unset). */
    public boolean isSet(String key) {
        return values.containsKey(declared(key).key());
    }

    /** A copy with some values replaced, each validated like the rest. */
    public Settings with(Map<String, String> changes) {
        Map<String, String> copy = new LinkedHashMap<>(values);
        Map<String, String> from = new LinkedHashMap<>(sources);
        changes.forEach((k, v) -> {
            copy.put(k, declared(k).check(v));
            from.put(k, "set by the application");
        });
        Settings changed = new Settings(copy, from, camelOnly);
        changed.checkTogether();
        return changed;
    }

    /** Rules between two keys. */
    void checkTogether() {
        long initial = getLong("llm.retry.initial-delay-ms", 0);
        long max = getLong("llm.retry.max-delay-ms", 0);
        if (max < initial) {
            throw new ConfigException("llm.retry.max-delay-ms (" + max + ") must be at least "
                    + "llm.retry.initial-delay-ms (" + initial + ")");
        }
    }

    /**
     * Every llm.* value for the placeholders in the routes, secrets blanked: present but empty, so a placeholder
     * cannot reach them through -D or the environment either.
     */
    public Properties camelProperties() {
        Properties p = new Properties();
        values.forEach((k, v) -> p.setProperty(k, SettingsSpec.find(k).secret() ? "" : v));
        SettingsSpec.byKey().values().stream().filter(Setting::secret).forEach(s -> p.setProperty(s.key(), ""));
        return p;
    }

    /** The other keys of application.properties ({@code camel.*}), which configure Camel itself. */
    public Properties camelOwnProperties() {
        Properties p = new Properties();
        p.putAll(camelOnly);
        return p;
    }

    /** Every setting with its value and where it came from, secrets masked: for {@code settings} on the CLI. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        Map<String, String> sorted = new TreeMap<>();
        SettingsSpec.byKey().keySet().forEach(k -> sorted.put(k, values.get(k)));
        sorted.forEach((k, v) -> {
            String shown = v == null ? "(not set)" : SettingsSpec.find(k).secret() ? "(set, hidden)" : v;
            sb.append(k).append('=').append(shown);
            if (v != null) {
                sb.append("    # ").append(sources.getOrDefault(k, "default"));
            }
            sb.append('\n');
        });
        return sb.toString();
    }

    private static Setting declared(String key) {
        Setting s = SettingsSpec.find(key);
        if (s == null) {
            throw new ConfigException("unknown setting " + key + ": declare it in SettingsSpec"
                    + SettingsResolver.closest(key, false));
        }
        return s;
    }

    /** A setting that makes no sense; the message names the key and says how to fix it. Exit code 2. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
