package io.github.camelllm.config;

/**
 * The property names of one pipeline's settings: the default pipeline ({@value #DEFAULT}) reads the table's keys
 * {@code llm.x} as they are, a pipeline NAME reads {@code llm.NAME.x}. Messages that tell the user what to check
 * name the property of the pipeline concerned.
 *
 * @param pipeline the pipeline's name
 */
public record PropertyNames(String pipeline) {

    /** The name of the default pipeline, whose properties are exactly the table's {@code llm.x} keys. */
    public static final String DEFAULT = "llm";
    /** Every property of the library starts with this. */
    public static final String PREFIX = "llm.";

    public boolean isDefault() {
        return DEFAULT.equals(pipeline);
    }

    /** The property of this pipeline for a key without its prefix ({@code "concurrency"}). */
    public String of(String shortKey) {
        return isDefault() ? PREFIX + shortKey : PREFIX + pipeline + "." + shortKey;
    }

    /** The property of this pipeline for a key of the table ({@code "llm.concurrency"}). */
    public String ofKey(String tableKey) {
        return of(shortKey(tableKey));
    }

    /** What sets the API key: for the default pipeline its property or OPENAI_API_KEY. */
    public String apiKey() {
        return isDefault() ? of("api-key") + " / OPENAI_API_KEY" : of("api-key");
    }

    /** {@code llm.concurrency} → {@code concurrency}. */
    public static String shortKey(String tableKey) {
        return tableKey.substring(PREFIX.length());
    }
}
