package io.github.camelllm;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The {@code llm.*} settings, resolved once with the precedence users expect:
 * explicit overrides (command line, tests) &gt; JVM system properties ({@code -Dllm.concurrency=200}) &gt;
 * environment variables ({@code LLM_CONCURRENCY=200}) &gt; {@code application.properties}.
 * <p>
 * The API key is resolved here too (falling back to {@code OPENAI_API_KEY}) but is deliberately kept out of
 * {@link #camelProperties()}, so it never reaches Camel's property component, its logs or its dumps.
 */
public final class Settings {

    public static final String API_KEY = "llm.api-key";

    private final Map<String, String> values;
    private final String location;

    private Settings(Map<String, String> values, String location) {
        this.values = values;
        this.location = location;
    }

    /** Loads {@code ./application.properties} when present, else the copy bundled in the jar. */
    public static Settings load(Map<String, String> overrides, Map<String, String> env) {
        Properties file = new Properties();
        String location;
        Path local = Path.of("application.properties");
        try {
            if (Files.isRegularFile(local)) {
                try (Reader r = Files.newBufferedReader(local, StandardCharsets.UTF_8)) {
                    file.load(r);
                }
                location = "file:" + local.toAbsolutePath();
            } else {
                try (InputStream in = Settings.class.getResourceAsStream("/application.properties")) {
                    if (in == null) {
                        throw new ConfigException("no application.properties found (neither ./application.properties "
                                + "nor in the jar)");
                    }
                    file.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
                }
                location = "classpath:application.properties";
            }
        } catch (IOException e) {
            throw new ConfigException("cannot read application.properties: " + e.getMessage());
        }
        Map<String, String> resolved = new TreeMap<>();
        for (String key : file.stringPropertyNames()) {
            if (key.startsWith("llm.")) {
                resolved.put(key, file.getProperty(key).trim());
            }
        }
        for (String key : Map.copyOf(resolved).keySet()) {
            String fromEnv = env.get(envName(key));
            if (fromEnv != null) {
                resolved.put(key, fromEnv.trim());
            }
        }
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("llm."))
                .forEach(k -> resolved.put(k, System.getProperty(k).trim()));
        overrides.forEach((k, v) -> resolved.put(k, v == null ? "" : v.trim()));
        if (resolved.getOrDefault(API_KEY, "").isEmpty() && env.get("OPENAI_API_KEY") != null) {
            resolved.put(API_KEY, env.get("OPENAI_API_KEY").trim());
        }
        if (resolved.getOrDefault("llm.base-url", "").isEmpty() && env.get("OPENAI_BASE_URL") != null) {
            resolved.put("llm.base-url", env.get("OPENAI_BASE_URL").trim());
        }
        return new Settings(resolved, location);
    }

    public static String envName(String key) {
        return key.toUpperCase().replace('.', '_').replace('-', '_');
    }

    /** Where application.properties was read from, in Camel's location syntax. */
    public String location() {
        return location;
    }

    public String get(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new ConfigException("missing setting " + key + " (add it to application.properties)");
        }
        return v;
    }

    public String get(String key, String fallback) {
        String v = values.get(key);
        return v == null || v.isEmpty() ? fallback : v;
    }

    public int getInt(String key, int min) {
        long v = getLong(key, min);
        if (v > Integer.MAX_VALUE) {
            throw new ConfigException(key + " is too large: " + v);
        }
        return (int) v;
    }

    public long getLong(String key, long min) {
        String raw = get(key);
        try {
            long v = Long.parseLong(raw.replace("_", ""));
            if (v < min) {
                throw new ConfigException(key + " must be at least " + min + ", got " + raw);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a whole number, got '" + raw + "'");
        }
    }

    public double getDouble(String key, double min, double max) {
        String raw = get(key);
        try {
            double v = Double.parseDouble(raw);
            if (v < min || v > max) {
                throw new ConfigException(key + " must be between " + min + " and " + max + ", got " + raw);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new ConfigException(key + " must be a number, got '" + raw + "'");
        }
    }

    public boolean getBoolean(String key) {
        String raw = get(key).toLowerCase();
        if (!raw.equals("true") && !raw.equals("false")) {
            throw new ConfigException(key + " must be true or false, got '" + raw + "'");
        }
        return Boolean.parseBoolean(raw);
    }

    public String apiKey() {
        return values.getOrDefault(API_KEY, "");
    }

    /** Returns a copy with some values replaced (used to point the pipeline at the built-in simulator). */
    public Settings with(Map<String, String> changes) {
        Map<String, String> copy = new TreeMap<>(values);
        copy.putAll(changes);
        return new Settings(copy, location);
    }

    /** Every setting except the API key and passwords, for Camel's property placeholders in the routes. */
    public Properties camelProperties() {
        Properties p = new Properties();
        Map<String, String> copy = new HashMap<>(values);
        copy.remove(API_KEY);
        copy.keySet().removeIf(k -> k.endsWith("password"));
        copy.forEach(p::setProperty);
        return p;
    }

    /** A setting that makes no sense; the message says which and how to fix it. Exit code 2. */
    public static final class ConfigException extends RuntimeException {
        public ConfigException(String message) {
            super(message);
        }
    }
}
