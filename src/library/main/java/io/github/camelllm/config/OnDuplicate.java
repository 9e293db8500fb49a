package io.github.camelllm.config;

/** An input whose content already completed a run ({@code llm.inbox.on-duplicate}). */
public enum OnDuplicate {
    /** Logged and moved to .done; the outputs are written again from the journal. */
    SKIP,
    /** Run again. */
    RERUN
}
