package io.github.camelllm.config;

/** The shape of a run's results file ({@code llm.output.format}). */
public enum OutputFormat {
    /** One result per line, as the journal holds it. */
    PIPELINE("pipeline"),
    /** The Batch API's output lines: id, custom_id, response {status_code, request_id, body}, error. */
    OPENAI_BATCH("openai-batch");

    private final String setting;

    OutputFormat(String setting) {
        this.setting = setting;
    }

    public String setting() {
        return setting;
    }

    static OutputFormat of(String value) {
        for (OutputFormat f : values()) {
            if (f.setting.equals(value)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown output format \"" + value + "\"");
    }
}
