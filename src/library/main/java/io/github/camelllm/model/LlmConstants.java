package io.github.camelllm.model;

/**
 * Every exchange property and message header the routes and beans share, declared once. State that travels
 * with a prompt or a batch job is one typed object ({@link #CALL}, {@link #BATCH}); the other names are small
 * markers of a run.
 */
public final class LlmConstants {

    // ------------------------------------------------------------------------------------ exchange properties

    /** The run an exchange works for (set by intake, by results and by the batch settle step). */
    public static final String RUN_ID = "llmRunId";
    /** true for inbox files: moved to .done/ (or .failed/) when their run ends. */
    public static final String ARCHIVE = "llmArchive";
    /** Set by the schedule route: run the file again even when its content already completed a run. */
    public static final String RERUN = "llmRerun";
    /** Set when the run of a file has lines to read (not when it is left alone or was completed before). */
    public static final String HAS_LINES = "llmHasLines";
    /** Why an input could not be processed at all (set by the rejects bean). */
    public static final String REJECTED = "llmRejected";
    /** The result just recorded was its run's last one. */
    public static final String RUN_COMPLETE = "llmRunComplete";
    /** The result could not be journaled: it is not handed on either. */
    public static final String NOT_RECORDED = "llmNotRecorded";
    /** realtime or batch: the dispatcher's choice for one prompt. */
    public static final String ROUTE = "llmRoute";
    /** The state of one real-time call: {@code io.github.camelllm.openai.CallState}. */
    public static final String CALL = "llmCall";
    /** The state of one step of a batch job: {@code io.github.camelllm.batch.BatchStep}. */
    /** Plain flags set once per prompt for the realtime route's tests (no reflective lookup per prompt). */
    public static final String STOPPING = "llmStopping";
    public static final String REPLY_LOCAL = "llmReplyLocal";
    public static final String BATCH = "llmBatch";
    /** The file id a batch download fetches (the output or the error file). */
    public static final String DOWNLOAD = "llmDownload";
    /** A prompt's Batch API input line, built once while the shard aggregator sizes and appends it. */
    public static final String BATCH_LINE = "llmBatchLine";

    // ---------------------------------------------------------------------------------------------- headers

    /** On a text prompt message: its custom_id. On a result message: the result's custom_id. */
    public static final String CUSTOM_ID_HEADER = "llmCustomId";
    /** On a result message: its run. */
    public static final String RUN_ID_HEADER = "llmRunId";
    /** On a result message: ok, error or invalid. */
    public static final String STATUS_HEADER = "llmStatus";
    /** On a result message: its input line number. */
    public static final String LINE_HEADER = "llmLine";
    /** On a work item: the endpoint its result goes back to. */
    public static final String REPLY_TO_HEADER = "llmReplyTo";

    private LlmConstants() {
    }
}
