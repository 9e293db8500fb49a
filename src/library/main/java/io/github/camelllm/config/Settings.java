package io.github.camelllm.config;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One pipeline's validated settings: the value of every key of {@link SettingsSpec} with where it came from, and
 * the typed {@link PipelineConfig} bound from them. Made by {@link SettingsResolver}; the beans are given parts of
 * {@link #config()}, never these values by key.
 */
public final class Settings {

    public static final String API_KEY = "llm.api-key";
    public static final String BASE_URL = "llm.base-url";
    /** The API called when a key is set and no base URL. */
    public static final String OPENAI_URL = "https://api.openai.com/v1";

    private final PropertyNames names;
    private final Map<String, String> values;
    private final Map<String, String> sources;
    private final PipelineConfig config;

    Settings(PropertyNames names, Map<String, String> values, Map<String, String> sources) {
        this.names = names;
        this.values = Map.copyOf(values);
        this.sources = Map.copyOf(sources);
        this.config = ConfigBinder.bind(names, this.values);
    }

    /** The typed configuration, bound once from these values. */
    public PipelineConfig config() {
        return config;
    }

    /** The canonical value of a table key ({@code llm.x}), or null when unset (only keys without a default). */
    public String value(String key) {
        return values.get(declared(key).key());
    }

    /** Whether a value was set for this key anywhere (only keys without a default can be unset). */
    public boolean isSet(String key) {
        return values.containsKey(declared(key).key());
    }

    /** Where the value of a table key came from, in words a user can act on ("default" when from the table). */
    public String source(String key) {
        return sources.getOrDefault(declared(key).key(), "default");
    }

    /**
     * Every value but the secrets, by table key ({@code llm.x}): the routes' template parameters, so each route
     * reads its own pipeline's {@code {{llm.x}}} values.
     */
    public Map<String, String> templateParameters() {
        Map<String, String> p = new LinkedHashMap<>();
        for (Setting s : SettingsSpec.byKey().values()) {
            String v = values.get(s.key());
            if (v != null && !s.secret()) {
                p.put(s.key(), v);
            }
        }
        return p;
    }

    /**
     * Every setting by this pipeline's property name with its value and where it came from, secrets masked:
     * for {@code settings} on the command line.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        for (Setting s : SettingsSpec.byKey().values()) {
            String v = values.get(s.key());
            String shown = v == null ? "(not set)" : s.secret() ? "(set, hidden)" : v;
            sb.append(names.ofKey(s.key())).append('=').append(shown);
            if (v != null) {
                sb.append("    # ").append(source(s.key()));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static Setting declared(String key) {
        Setting s = SettingsSpec.find(key);
        if (s == null) {
            throw new ConfigException("unknown setting " + key + Namespace.didYouMean(key, java.util.Set.of()));
        }
        return s;
    }

    /** A setting that makes no sense; the message names the property and says how to fix it. Exit code 2. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
