package io.github.camelllm.config;

/** Lines a batch did not answer ({@code llm.batch.on-failure}). */
public enum OnBatchFailure {
    /** Call them in real time. */
    REALTIME,
    /** Record an error result. */
    ERROR
}
