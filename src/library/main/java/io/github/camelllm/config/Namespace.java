package io.github.camelllm.config;

import io.github.camelllm.config.Settings.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The {@code llm.} namespace: every property of the library lives under it, so a host's own keys never collide
 * with a pipeline's. A property {@code llm.x} is a setting of the table (the default pipeline's, and the value
 * every named pipeline falls back to), {@code llm.NAME.x} a setting of pipeline NAME, {@code llm.pipelines} the list
 * of pipelines of a host configured by properties; anything else under {@code llm.} is refused, naming where it
 * came from. Environment variables map as Camel maps them ({@code LLM_NAME_X}); an {@code LLM_*} variable that
 * maps to nothing is refused only when it is clearly meant for a pipeline, else left to whoever set it.
 */
public final class Namespace {

    private static final Logger LOG = LoggerFactory.getLogger(Namespace.class);

    /** The host property that names the pipelines, comma-separated. */
    public static final String PIPELINES = PropertyNames.PREFIX + "pipelines";

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(-[a-z0-9]+)*");
    private static final String ENV_PREFIX = "LLM_";
    /** Most edits that make an environment variable a misspelling of a known one rather than another tool's. */
    private static final int ENV_NEAR_MISS = 2;

    private Namespace() {
    }

    /**
     * Refuses a name that cannot prefix a pipeline's properties, routes, endpoints and beans, or that would make
     * its properties ambiguous: {@code llm.retry.max-attempts} must not read as pipeline "retry"'s setting.
     */
    public static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new ConfigException("a pipeline name is lower-case letters and digits, words joined by '-' "
                    + "(it names the pipeline's properties llm.NAME.x, route ids, endpoints and beans), got '"
                    + name + "'");
        }
        if (reserved().contains(name)) {
            throw new ConfigException("a pipeline cannot be named '" + name + "': llm." + name + ".* would be "
                    + "read as the settings llm." + name + ".* of every pipeline; choose another name");
        }
    }

    /** The first segments of the table's keys, and "pipelines": names no pipeline may take. */
    static Set<String> reserved() {
        Set<String> names = new TreeSet<>();
        for (String key : SettingsSpec.byKey().keySet()) {
            String shortKey = PropertyNames.shortKey(key);
            int dot = shortKey.indexOf('.');
            names.add(dot < 0 ? shortKey : shortKey.substring(0, dot));
        }
        names.add(PropertyNames.shortKey(PIPELINES));
        return names;
    }

    /**
     * Refuses every {@code llm.*} property and {@code LLM_*} variable of the host that belongs to no setting.
     *
     * @param pipelines the pipelines known now (of the context, being added, named by {@code llm.pipelines})
     * @param complete  every pipeline of the context is known: a setting of a pipeline not among them is refused
     *                  (before, it may be for a pipeline still to be added)
     */
    public static void check(HostProperties host, Collection<String> pipelines, boolean complete) {
        Set<String> known = new TreeSet<>(pipelines);
        known.remove(PropertyNames.DEFAULT);
        for (Map.Entry<String, String> property : new TreeMap<>(host.names()).entrySet()) {
            checkProperty(property.getKey(), property.getValue(), known, complete);
        }
        checkEnvironment(host.environment(), known);
    }

    private static void checkProperty(String key, String source, Set<String> pipelines, boolean complete) {
        if (!key.startsWith(PropertyNames.PREFIX) || key.equals(PIPELINES)) {
            return;
        }
        String rest = PropertyNames.shortKey(key);
        if (SettingsSpec.find(key) != null) {
            return;
        }
        int dot = rest.indexOf('.');
        if (dot > 0) {
            String pipeline = rest.substring(0, dot);
            String setting = PropertyNames.PREFIX + rest.substring(dot + 1);
            if (SettingsSpec.find(setting) != null && NAME.matcher(pipeline).matches()
                    && !reserved().contains(pipeline)) {
                if (pipelines.contains(pipeline) || !complete) {
                    return;
                }
                throw new ConfigException(key + " (from " + source + ") is a setting of pipeline " + pipeline
                        + ", but this CamelContext has no pipeline of that name (its pipelines: "
                        + (pipelines.isEmpty() ? "only the default one, llm" : String.join(", ", pipelines)) + ")"
                        + didYouMean(key, pipelines));
            }
        }
        throw new ConfigException("unknown setting " + key + " (from " + source + ")" + didYouMean(key, pipelines));
    }

    private static void checkEnvironment(Map<String, String> environment, Set<String> pipelines) {
        Map<String, String> known = new HashMap<>();
        known.put(Setting.envName(PIPELINES), PIPELINES);
        for (String key : SettingsSpec.byKey().keySet()) {
            known.put(Setting.envName(key), key);
            for (String pipeline : pipelines) {
                String property = new PropertyNames(pipeline).ofKey(key);
                known.put(Setting.envName(property), property);
            }
        }
        for (String variable : new TreeSet<>(environment.keySet())) {
            if (!variable.startsWith(ENV_PREFIX) || known.containsKey(variable)) {
                continue;
            }
            for (String pipeline : pipelines) {
                if (variable.startsWith(Setting.envName(PropertyNames.PREFIX + pipeline + "."))) {
                    throw new ConfigException("unknown setting " + variable + " (environment variable, under "
                            + "pipeline " + pipeline + ")" + closest(variable, known.keySet(), Integer.MAX_VALUE));
                }
            }
            if (ofAnotherPipeline(variable)) {
                LOG.debug("environment variable {} is not a setting of this context's pipelines: ignored", variable);
                continue;
            }
            String near = closest(variable, known.keySet(), ENV_NEAR_MISS);
            if (!near.isEmpty()) {
                throw new ConfigException("unknown setting " + variable + " (environment variable)" + near);
            }
            LOG.debug("environment variable {} is no setting of camel-llm-pipeline: ignored", variable);
        }
    }

    /** {@code LLM_OTHER_MODEL}: the shape of a setting of a pipeline this context does not have (yet). */
    private static boolean ofAnotherPipeline(String variable) {
        for (String key : SettingsSpec.byKey().keySet()) {
            String suffix = "_" + Setting.envName(PropertyNames.shortKey(key));
            if (variable.endsWith(suffix) && variable.length() > ENV_PREFIX.length() + suffix.length()) {
                return true;
            }
        }
        return false;
    }

    /** "; did you mean X?" for the known property nearest by edit distance, when one is near. */
    static String didYouMean(String key, Collection<String> pipelines) {
        List<String> candidates = new ArrayList<>(SettingsSpec.byKey().keySet());
        for (String pipeline : pipelines) {
            for (String setting : SettingsSpec.byKey().keySet()) {
                candidates.add(new PropertyNames(pipeline).ofKey(setting));
            }
        }
        return closest(key, candidates, Math.max(3, key.length() / 3));
    }

    private static String closest(String name, Collection<String> candidates, int most) {
        String nearest = NearestName.of(name, candidates, most);
        return nearest != null ? "; did you mean " + nearest + "?" : "";
    }
}
