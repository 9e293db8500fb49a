package io.github.camelllm.config;

/** What a fault no retry fixes does to the prompts it concerns ({@code llm.faults.on-fatal}). */
public enum OnFatal {
    /** Hold when the inbox is watched, else stop. */
    AUTO,
    /** The prompts end as errors at once. */
    STOP,
    /** The prompts wait, and the inbox takes no new file, until a probe succeeds. */
    HOLD
}
