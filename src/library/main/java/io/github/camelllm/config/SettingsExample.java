package io.github.camelllm.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The commented {@code application.properties} made from {@link SettingsSpec}: every key with its default, all
 * commented out, so the file documents the settings without repeating the defaults as values.
 */
public final class SettingsExample {

    private static final int WIDTH = 110;

    private SettingsExample() {
    }

    public static String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("""
                # camel-llm-pipeline settings: every llm.* key with its default (generated from SettingsSpec by
                # `java -jar target/camel-llm-pipeline-app.jar settings --example`; docs/settings.md says the same as
                # tables). The defaults live in the code, so this file is optional; uncomment a line to change a value.
                # Precedence is Camel's: environment variable (LLM_CONCURRENCY=200: upper case, dots and dashes
                # become underscores) > JVM system property (-Dllm.concurrency=200) > this file > default.
                # A pipeline NAME inside a host reads llm.NAME.x, then llm.x, then the default; the application's
                # pipeline is the default one, llm.x. An llm.* key that is no setting is refused at start.
                # Keys that are not llm.* (camel.main.*, ...) configure Camel itself; the shutdown timeout is
                # llm.shutdown.timeout-ms. `java -jar target/camel-llm-pipeline-app.jar settings` shows the values in
                # effect and where each came from.
                """);
        for (SettingsSpec.Section section : SettingsSpec.sections()) {
            sb.append("\n## --- ").append(section.title()).append(" ---\n");
            for (Setting s : section.settings()) {
                for (String line : wrap(s.description() + " Allowed: " + s.allowed() + ".")) {
                    sb.append("# ").append(line).append('\n');
                }
                sb.append('#').append(s.key()).append('=')
                        .append(s.defaultValue() == null ? "" : s.defaultValue()).append('\n');
            }
        }
        return sb.toString();
    }

    private static List<String> wrap(String text) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + word.length() > WIDTH) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(word);
        }
        lines.add(line.toString());
        return lines;
    }
}
