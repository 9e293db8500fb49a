package io.github.camelllm.model;

/**
 * Every exchange property and message header the routes and beans share, declared once. State that travels
 * with a prompt or a batch job is one typed object ({@link #CALL}, {@link #BATCH}); the other names are small
 * markers of a run.
 */
public final class LlmConstants {

    // ------------------------------------------------------------------------------------ exchange properties
    // Data that travels with an exchange is set by the beans that make it; every flag a route tests is set by a
    // step of that same route file (setProperty), from the answer of a bean or from simple.

    /** The run an exchange works for (set by intake, by results and by the batch settle step). */
    public static final String RUN_ID = "llmRunId";
    /** true for inbox files: moved to .done/ (or .failed/) when their run ends. */
    public static final String ARCHIVE = "llmArchive";
    /** Set by the schedule route: run the file again even when its content already completed a run. */
    public static final String RERUN = "llmRerun";
    /** Why an input could not be processed at all (set by the rejects bean). */
    public static final String REJECTED = "llmRejected";
    /** realtime or batch: the dispatcher's choice for one prompt. */
    public static final String ROUTE = "llmRoute";
    /** true when the prompt took one of the call slots; false when shutdown began while it waited for one. */
    public static final String SLOT_TAKEN = "llmSlotTaken";
    /** What recording a result came to: one of {@code Results.JOURNALED}, {@code LAST}, {@code LOST}. */
    public static final String RECORDED = "llmRecorded";
    /** The state of one real-time call: {@code io.github.camelllm.openai.CallState}. */
    public static final String CALL = "llmCall";
    /** The state of one step of a batch job: {@code io.github.camelllm.batch.BatchStep}. */
    public static final String BATCH = "llmBatch";
    /** true when a batch job may take its next step now (not held by the enqueued-token limit or a delay). */
    public static final String BATCH_ADMITTED = "llmBatchAdmitted";
    /** true when the batch made from a job's uploaded file was found (adopted, not created again). */
    public static final String BATCH_FOUND = "llmBatchFound";
    /** What a batch job does after a step: one of {@code BatchSteps.WAIT}, {@code RESUBMIT}, {@code SETTLE}. */
    public static final String BATCH_NEXT = "llmBatchNext";
    /** The file id a batch download fetches (the output or the error file). */
    public static final String DOWNLOAD = "llmDownload";
    /** Which file of a finished batch is being read: output or errors (the name of its copy on disk). */
    public static final String BATCH_FILE = "llmBatchFile";
    /** What became of a message sent to the input: {@code Intake.ACCEPTED} or {@code Intake.TAKEN}. */
    public static final String ACCEPTED = "llmAccepted";
    /** The body of a message as its sender sent it, given back to the sender once the message is accepted. */
    public static final String MESSAGE_BODY = "llmMessageBody";
    /** What the delivery of a run hands on next: one of {@code Deliveries.RESULT}, {@code REPLY}, {@code NONE}. */
    public static final String DELIVERY = "llmDelivery";
    /** Where the journal record being delivered ends (the delivery cursor moves there once it is delivered). */
    public static final String DELIVERY_END = "llmDeliveryEnd";
    /** What the spend cap says about a call: go, refused (it ends as budget_exceeded) or withheld (shutdown). */
    public static final String BUDGET = "llmBudget";
    /** Why the spend cap refused a call (the message of its budget_exceeded error). */
    public static final String BUDGET_REASON = "llmBudgetReason";
    /** What the spend cap says about a batch shard: go, wait (asked again at the next poll) or refused. */
    public static final String BATCH_BUDGET = "llmBatchBudget";
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
    /** On a result message: the pipeline that made it. */
    public static final String PIPELINE_HEADER = "llmPipeline";
    /**
     * On a prompt message: its id, when the sender names one (else Camel's message id, JMSMessageID over JMS): the
     * custom_id of a single prompt that names none, and how a redelivered message is recognised.
     */
    public static final String MESSAGE_ID_HEADER = "llmMessageId";
    /** On a work item: the endpoint its result goes back to. */
    public static final String REPLY_TO_HEADER = "llmReplyTo";
    /** On intake's announcements: {@link #RUN_OPENED} or {@link #INTAKE_ENDED}. */
    public static final String INTAKE_EVENT_HEADER = "llmIntakeEvent";

    // ------------------------------------------------------------------------------------------ header values

    /** A run is open and none of its lines has been read yet. */
    public static final String RUN_OPENED = "run-opened";
    /** Intake has read the last line of a run (or stopped reading it). */
    public static final String INTAKE_ENDED = "intake-ended";

    private LlmConstants() {
    }
}
