package io.github.camelllm.config;

import io.github.camelllm.config.Settings.ConfigException;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Resolves one pipeline's settings, the one way for every host and for the command-line application: for each key
 * {@code llm.x} of {@link SettingsSpec}, the first of
 * <ol>
 *   <li>a value the host's code forces ({@code LlmPipeline.force}: the application's {@code run FILE} watches no
 *       inbox whatever the properties say);</li>
 *   <li>the host's property of this pipeline: {@code llm.x} for the default pipeline, {@code llm.NAME.x} for a
 *       pipeline NAME (read through Camel's properties component, so its own order holds: environment variable,
 *       -D, override properties, files, initial properties);</li>
 *   <li>a value the host's code gives ({@code LlmPipeline.set});</li>
 *   <li>for a named pipeline, the host's shared {@code llm.x}; for the default pipeline, OPENAI_API_KEY and
 *       OPENAI_BASE_URL for the key and the base URL, as the OpenAI SDKs read them;</li>
 *   <li>the default in the table, made the instance's own where two pipelines would clash
 *       ({@link #instanceDefault}).</li>
 * </ol>
 * Each value is checked against the table, an error naming the property and where it came from; then the typed
 * configuration is bound ({@link ConfigBinder}).
 */
public final class SettingsResolver {

    private static final String OPENAI_API_KEY = "OPENAI_API_KEY";
    private static final String OPENAI_BASE_URL = "OPENAI_BASE_URL";

    private SettingsResolver() {
    }

    /**
     * @param given  values from the host's code, under the host's properties, by key without its prefix
     *               ({@code concurrency}) or table key ({@code llm.concurrency})
     * @param forced values from the host's code over every property, keyed likewise
     */
    public static Settings resolve(String name, HostProperties host, Map<String, String> given,
                                   Map<String, String> forced) {
        return resolve(name, host, given, forced, Map.of());
    }

    /**
     * As above; {@code forcedSources} says where some forced values came from (a command line option), by the
     * same keys as {@code forced}.
     */
    public static Settings resolve(String name, HostProperties host, Map<String, String> given,
                                   Map<String, String> forced, Map<String, String> forcedSources) {
        PropertyNames names = new PropertyNames(name);
        Map<String, String> code = byTableKey(given, names);
        Map<String, String> force = byTableKey(forced, names);
        Map<String, String> forceSource = byTableKey(forcedSources, names);
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> sources = new HashMap<>();
        for (Setting setting : SettingsSpec.byKey().values()) {
            String own = names.ofKey(setting.key());
            String property = own;
            String raw;
            String source;
            Optional<String> fromHost;
            if (force.containsKey(setting.key())) {
                raw = force.get(setting.key());
                source = forceSource.getOrDefault(setting.key(), "set by the application's code, over every property");
            } else if (present(fromHost = host.value(own), setting)) {
                raw = fromHost.get();
                source = host.source(own);
            } else if (code.containsKey(setting.key()) && !blankSecret(code.get(setting.key()), setting)) {
                raw = code.get(setting.key());
                source = "set by the application's code";
            } else if (!names.isDefault() && present(fromHost = host.value(setting.key()), setting)) {
                raw = fromHost.get();
                property = setting.key();
                source = host.source(setting.key()) + ", shared by every pipeline";
            } else if (names.isDefault() && openAiVariable(setting, host) != null) {
                property = openAiVariable(setting, host);
                raw = host.environment().get(property);
                source = "environment variable " + property;
            } else {
                raw = instanceDefault(setting, name);
                source = "default";
            }
            if (raw == null || blankSecret(raw, setting)) {
                continue;
            }
            String checked;
            try {
                checked = setting.check(raw, property);
            } catch (ConfigException e) {
                throw new ConfigException(e.getMessage() + " (from " + source + ")");
            }
            values.put(setting.key(), checked);
            sources.put(setting.key(), source);
        }
        return new Settings(names, values, sources);
    }

    /** Settings from values alone (no host): for code that configures beans itself, and for tests. */
    static Settings fromValues(String name, Map<String, String> values) {
        PropertyNames names = new PropertyNames(name);
        Map<String, String> given = byTableKey(values, names);
        Map<String, String> checked = new LinkedHashMap<>();
        Map<String, String> sources = new HashMap<>();
        for (Setting setting : SettingsSpec.byKey().values()) {
            String raw = given.containsKey(setting.key()) ? given.get(setting.key()) : instanceDefault(setting, name);
            if (raw != null && !blankSecret(raw, setting)) {
                checked.put(setting.key(), setting.check(raw, names.ofKey(setting.key())));
                sources.put(setting.key(), given.containsKey(setting.key()) ? "given" : "default");
            }
        }
        return new Settings(names, checked, sources);
    }

    /**
     * The default of a setting for pipeline {@code name}: endpoints are the instance's own
     * ({@code direct:NAME-prompts}, {@code seda:NAME-realtime}, ...) and, for a name other than {@code llm}, so are
     * its folders ({@code NAME/outbox}, and so {@code NAME/work}; {@code NAME/inbox}, {@code NAME/schedule}).
     */
    public static String instanceDefault(Setting setting, String name) {
        String value = setting.defaultValue();
        if (value == null) {
            return null;
        }
        value = value.replaceFirst("^(direct|seda):llm-", "$1:" + name + "-");
        if (!name.equals(PropertyNames.DEFAULT) && (setting.key().equals("llm.outbox")
                || setting.key().equals("llm.inbox") || setting.key().equals("llm.schedule.folder"))) {
            value = name + "/" + value;
        }
        return value;
    }

    /** A value of the host, unless it is an empty secret: {@code {{env:OPENAI_API_KEY:}}} with none set is none. */
    private static boolean present(Optional<String> value, Setting setting) {
        return value.isPresent() && !blankSecret(value.get(), setting);
    }

    private static boolean blankSecret(String value, Setting setting) {
        return setting.defaultValue() == null && setting.type() == Setting.Type.TEXT && value.isBlank();
    }

    /** OPENAI_API_KEY / OPENAI_BASE_URL for the key and the base URL, when set. */
    private static String openAiVariable(Setting setting, HostProperties host) {
        String variable = switch (setting.key()) {
            case Settings.API_KEY -> OPENAI_API_KEY;
            case Settings.BASE_URL -> OPENAI_BASE_URL;
            default -> null;
        };
        if (variable == null) {
            return null;
        }
        String value = host.environment().get(variable);
        return value == null || value.isBlank() && variable.equals(OPENAI_API_KEY) ? null : variable;
    }

    private static Map<String, String> byTableKey(Map<String, String> values, PropertyNames names) {
        Map<String, String> byKey = new HashMap<>();
        values.forEach((k, v) -> {
            String full = k.startsWith(PropertyNames.PREFIX) ? k : PropertyNames.PREFIX + k;
            if (SettingsSpec.find(full) == null) {
                throw new ConfigException("unknown setting " + k + " given to pipeline " + names.pipeline()
                        + Namespace.didYouMean(full, java.util.Set.of()));
            }
            byKey.put(full, v == null ? "" : v);
        });
        return byKey;
    }
}
