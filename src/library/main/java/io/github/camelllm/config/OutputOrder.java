package io.github.camelllm.config;

/** The order of a run's results file ({@code llm.output.order}). */
public enum OutputOrder {
    /** In input order, written when the run completes. */
    ORDERED,
    /** Appended as each result completes. */
    STREAMED
}
