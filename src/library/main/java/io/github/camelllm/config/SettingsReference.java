package io.github.camelllm.config;

/**
 * {@code docs/settings.md}, made from {@link SettingsSpec}: every setting by section with its default, allowed
 * values, meaning and environment variable, and how a named pipeline reads it.
 */
public final class SettingsReference {

    private SettingsReference() {
    }

    public static String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("""
                # Settings

                Generated from the settings table (`SettingsSpec`) by
                `java -jar target/camel-llm-pipeline-app.jar settings --markdown > docs/settings.md`; a test keeps this
                file equal to it. [`application.properties`](../application.properties) lists the same keys, commented
                out.

                ## Where a value comes from

                Every key lives under `llm.`, so a host's own properties never collide with a pipeline's.

                - **The default pipeline** (the command-line application's, or `LlmPipeline.named("llm")` in a host)
                  reads each key as it is: `llm.concurrency`.
                - **A pipeline NAME** reads `llm.NAME.concurrency`, falling back to `llm.concurrency`, then to the
                  default below: named pipelines inherit the shared values and override what differs. Defaults that
                  would clash between two pipelines are the pipeline's own: endpoints `direct:NAME-prompts`,
                  `seda:NAME-realtime`, ...; folders `NAME/outbox` (so `NAME/work`), `NAME/inbox`, `NAME/schedule`.
                - `llm.pipelines` names the pipelines of a host configured by properties alone (`LlmPipelines`).
                - A pipeline cannot be named after the first segment of a key (`retry`, `batch`, `inbox`, ...), nor
                  `pipelines`.

                Each property is read through Camel's properties component, so precedence is Camel's: environment
                variable > JVM system property (`-D`) > override properties > `application.properties` > initial
                properties. Under Camel Spring Boot it reads the Spring Environment (relaxed spellings such as
                `llm.NAME.retry.maxAttempts` included). Values set in code: `LlmPipeline.set("concurrency", "20")`
                counts when no property of the pipeline (`llm.NAME.x`, or `llm.x` for the default pipeline) sets the
                key, and before the shared `llm.x`; `LlmPipeline.force(...)` wins over every property.

                Environment variables are the property in upper case with dots and dashes as underscores:
                `LLM_CONCURRENCY`, `LLM_NAME_CONCURRENCY`. For the default pipeline, `OPENAI_API_KEY` and
                `OPENAI_BASE_URL` are read when `llm.api-key` / `llm.base-url` are not set.

                An `llm.*` property that is neither a key below nor `llm.<pipeline>.<key>` of a pipeline of the
                context stops start-up, naming where it came from (file, `-D`, override properties, Spring Environment)
                and the closest key. An `LLM_*` environment variable that maps to nothing stops start-up only when it
                is clearly meant for a pipeline (a near miss of a key, or under a pipeline's prefix such as
                `LLM_NAME_`); another tool's `LLM_PROVIDER` is left alone. Every value is checked at start against the
                allowed values below; an error names the property and where its value came from.
                """);
        for (SettingsSpec.Section section : SettingsSpec.sections()) {
            sb.append("\n## ").append(section.title()).append("\n\n");
            sb.append("| key | default | allowed | meaning | environment variable | in pipeline NAME |\n");
            sb.append("|---|---|---|---|---|---|\n");
            for (Setting s : section.settings()) {
                sb.append("| `").append(s.key()).append("` | ").append(defaultOf(s.defaultValue())).append(" | ")
                        .append(cell(s.allowed())).append(" | ").append(cell(s.description())).append(" | `")
                        .append(s.envName()).append("` | ").append(named(s)).append(" |\n");
            }
        }
        return sb.toString();
    }

    private static String defaultOf(String value) {
        if (value == null) {
            return "not set";
        }
        return value.isEmpty() ? "empty" : "`" + value.replace("|", "\\|") + "`";
    }

    /** The property of pipeline NAME, and its own default where it is not the shared one. */
    private static String named(Setting s) {
        String property = "`" + new PropertyNames(NAME).ofKey(s.key()) + "`";
        String own = SettingsResolver.instanceDefault(s, NAME);
        return own == null || own.equals(s.defaultValue()) ? property
                : property + ", default " + defaultOf(own);
    }

    private static final String NAME = "NAME";

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }
}
