package io.github.camelllm.app;

import io.github.camelllm.config.PropertyNames;
import io.github.camelllm.config.Settings.ConfigException;
import io.github.camelllm.config.SettingsSpec;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings a command takes on its command line: the common ones as options of their own, any other as
 * {@code --set KEY=VALUE}. They win over every other source (environment, -D, application.properties) and are
 * checked like the rest: a value out of range or a key that is no setting is a usage error naming the option.
 */
final class PipelineOptions {

    /** One setting given on the command line, with the option that gave it. */
    record Value(String key, String value, String option) {

        /** Where the value came from, as {@code settings} shows it and an error names it. */
        String source() {
            return "command line " + option;
        }
    }

    @Option(names = "--base-url", paramLabel = "URL", order = 10,
            description = "The API's base URL (llm.base-url): https://api.openai.com/v1 (the default with a key), "
                    + "a local server's, or 'simulator' for the built-in simulator.")
    String baseUrl;

    @Option(names = "--model", paramLabel = "NAME", order = 11,
            description = "Model for lines that name none (llm.model).")
    String model;

    @Option(names = {"-c", "--concurrency"}, paramLabel = "N", order = 12,
            description = "Calls in flight at most (llm.concurrency).")
    String concurrency;

    @Option(names = "--order", paramLabel = "ORDER", order = 13,
            description = "ordered: the results file in input order, written when the run completes; streamed: "
                    + "appended as each result comes (llm.output.order).")
    String order;

    @Option(names = {"-o", "--out"}, paramLabel = "DIR", order = 14,
            description = "Folder of the results, summary and failed lines (llm.outbox).")
    String out;

    @Option(names = "--work-dir", paramLabel = "DIR", order = 15,
            description = "Folder of the runs' journals, what a restart resumes from (llm.work-dir).")
    String workDir;

    @Option(names = "--set", paramLabel = "KEY=VALUE", order = 16,
            description = "Any setting, e.g. --set retry.max-attempts=3 (the llm. prefix is optional); "
                    + "repeatable. 'settings' lists them all.")
    List<String> set = new ArrayList<>();

    /** The values given, by table key ({@code llm.x}); a key given twice or that is no setting is refused. */
    Map<String, Value> values() {
        Map<String, Value> values = new LinkedHashMap<>();
        put(values, "llm.base-url", baseUrl, "--base-url");
        put(values, "llm.model", model, "--model");
        put(values, "llm.concurrency", concurrency, "--concurrency");
        put(values, "llm.output.order", order, "--order");
        put(values, "llm.outbox", out, "--out");
        put(values, "llm.work-dir", workDir, "--work-dir");
        for (String pair : set) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set " + pair + ": expected KEY=VALUE, e.g. --set retry.max-attempts=3");
            }
            String name = pair.substring(0, eq).trim();
            String key = name.startsWith(PropertyNames.PREFIX) ? name : PropertyNames.PREFIX + name;
            if (SettingsSpec.find(key) == null) {
                throw new ConfigException("--set " + name + ": no such setting" + Suggestions.closest(key,
                        SettingsSpec.byKey().keySet()) + " ('settings' lists them all)");
            }
            put(values, key, pair.substring(eq + 1), "--set " + name);
        }
        return values;
    }

    private static void put(Map<String, Value> values, String key, String value, String option) {
        if (value == null) {
            return;
        }
        Value earlier = values.put(key, new Value(key, value, option));
        if (earlier != null) {
            throw new ConfigException(key + " is given twice on the command line (" + earlier.option() + " and "
                    + option + ")");
        }
    }

    /** Adds a value of a command's own option (serve's --inbox), refused when --set gives the key too. */
    static void add(Map<String, Value> values, String key, String value, String option) {
        put(values, key, value, option);
    }
}
