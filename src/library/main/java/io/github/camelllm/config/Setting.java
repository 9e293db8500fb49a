package io.github.camelllm.config;

import io.github.camelllm.config.Settings.ConfigException;

import java.util.List;
import java.util.Locale;

/**
 * One {@code llm.*} setting: key, type, default, allowed values and a one-line description. The table of all of
 * them is {@link SettingsSpec}.
 *
 * @param defaultValue the value when nothing sets it; null only for keys whose absence means something
 *                     ({@code llm.base-url}, {@code llm.api-key})
 * @param secret       never handed to Camel's properties, never printed
 */
public record Setting(String key, Type type, String defaultValue, double min, double max, List<String> choices,
                      boolean secret, String description) {

    public enum Type { TEXT, REQUIRED_TEXT, API_URL, INT, LONG, DECIMAL, BOOLEAN, CHOICE, CRON }

    /** The value of {@code llm.base-url} that selects the built-in simulator. */
    public static final String SIMULATOR = "simulator";

    /** The value's canonical text (trimmed, numbers without underscores), or a message naming the key. */
    public String check(String raw) {
        return check(raw, key);
    }

    /**
     * As {@link #check(String)}, the message naming the property the value was read from ({@code llm.NAME.x} for
     * a named pipeline).
     */
    public String check(String raw, String property) {
        refuseControlCharacters(raw, property);
        String v = raw.trim();
        switch (type) {
            case TEXT -> {
                return v;
            }
            case REQUIRED_TEXT -> {
                if (v.isEmpty()) {
                    throw fail(property, "must not be empty");
                }
                return v;
            }
            case API_URL -> {
                if (v.isEmpty()) {
                    throw fail(property, "is set but empty: remove it, set the API's URL (https://...), or set '"
                            + SIMULATOR + "' to use the built-in simulator");
                }
                if (v.equalsIgnoreCase(SIMULATOR)) {
                    return SIMULATOR;
                }
                if (!v.startsWith("http://") && !v.startsWith("https://")) {
                    throw fail(property, "must start with http:// or https:// (or be '" + SIMULATOR + "'), got "
                            + v);
                }
                return v.replaceAll("/+$", "");
            }
            case INT, LONG -> {
                long n;
                try {
                    n = Long.parseLong(v.replace("_", ""));
                } catch (NumberFormatException e) {
                    throw fail(property, "must be a whole number, got '" + v + "'");
                }
                if (n < min || n > max) {
                    throw fail(property, "must be between " + format(min) + " and " + format(max) + ", got " + v);
                }
                return Long.toString(n);
            }
            case DECIMAL -> {
                double d;
                try {
                    d = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    throw fail(property, "must be a number, got '" + v + "'");
                }
                if (!(d >= min && d <= max)) {
                    throw fail(property, "must be between " + format(min) + " and " + format(max) + ", got " + v);
                }
                return Double.toString(d);
            }
            case BOOLEAN -> {
                String b = v.toLowerCase(Locale.ROOT);
                if (!b.equals("true") && !b.equals("false")) {
                    throw fail(property, "must be true or false, got '" + v + "'");
                }
                return b;
            }
            case CHOICE -> {
                String c = v.toLowerCase(Locale.ROOT);
                if (!choices.contains(c)) {
                    throw fail(property, "must be one of " + String.join(", ", choices) + ", got '" + v + "'");
                }
                return c;
            }
            case CRON -> {
                if (!v.isEmpty() && !QuartzCron.isValid(v)) {
                    throw fail(property, "is not a Quartz cron expression (sec min hour day month weekday), got '"
                            + v + "'");
                }
                return v;
            }
            default -> throw new IllegalStateException(type.name());
        }
    }

    /**
     * A line break or another control character inside a value (a key pasted with its newline, a value cut across
     * lines) is refused, naming where it is but never the value: a secret would otherwise be printed by whatever
     * rejects it later (an HTTP header check, a log line). Leading and trailing white space is trimmed as always.
     */
    private static void refuseControlCharacters(String raw, String property) {
        int start = 0;
        int end = raw.length();
        while (start < end && raw.charAt(start) <= ' ') {
            start++;
        }
        while (end > start && raw.charAt(end - 1) <= ' ') {
            end--;
        }
        for (int i = start; i < end; i++) {
            char c = raw.charAt(i);
            if (Character.isISOControl(c)) {
                throw fail(property, "contains " + describeControl(c) + " at position " + (i + 1)
                        + ": remove it (the value is not shown)");
            }
        }
    }

    private static String describeControl(char c) {
        return switch (c) {
            case '\n' -> "a line break";
            case '\r' -> "a carriage return";
            case '\t' -> "a tab";
            default -> String.format("a control character (U+%04X)", (int) c);
        };
    }

    /** What values are allowed, for the example file and the settings listing. */
    public String allowed() {
        return switch (type) {
            case TEXT -> "any text, may be empty";
            case REQUIRED_TEXT -> "not empty";
            case API_URL -> "http(s)://... or " + SIMULATOR;
            case INT, LONG, DECIMAL -> format(min) + " to " + format(max);
            case BOOLEAN -> "true or false";
            case CHOICE -> String.join(" or ", choices);
            case CRON -> "a Quartz cron expression, or empty";
        };
    }

    /** The environment variable Camel reads for this key ({@code LLM_RETRY_MAX_ATTEMPTS}). */
    public String envName() {
        return envName(key);
    }

    /** The environment variable Camel reads for a property: upper case, dots and dashes as underscores. */
    public static String envName(String property) {
        return property.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static ConfigException fail(String property, String why) {
        return new ConfigException(property + " " + why);
    }

    private static String format(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
