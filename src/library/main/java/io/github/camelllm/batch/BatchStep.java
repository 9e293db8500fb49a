package io.github.camelllm.batch;

import io.github.camelllm.model.LlmConstants;
import org.apache.camel.Exchange;

/**
 * One step of one batch job, as one object on the exchange (property {@value LlmConstants#BATCH}): the job and
 * what the step found out. The batch routes decide from its accessors, e.g.
 * {@code ${exchangeProperty.llmBatch.terminal}} or {@code ${exchangeProperty.llmBatch.job.stage}} (the
 * package-private methods that change it are named apart from its accessors, so the routes find only those).
 */
public final class BatchStep {

    private final ShardJob job;
    private boolean held;
    private boolean found;
    private String status;
    private String progress;
    private String outputFile;
    private String errorFile;
    private boolean terminal;
    private boolean resubmit;

    BatchStep(ShardJob job) {
        this.job = job;
    }

    static BatchStep of(Exchange exchange) {
        BatchStep step = exchange.getProperty(LlmConstants.BATCH, BatchStep.class);
        if (step == null) {
            throw new IllegalStateException("no batch job on the exchange");
        }
        return step;
    }

    public ShardJob getJob() {
        return job;
    }

    /** The job may not take its next step yet (enqueued-token limit, resubmission delay). */
    public boolean isHeld() {
        return held;
    }

    /** The batch made from the job's uploaded file exists already (adopted, not created again). */
    public boolean isFound() {
        return found;
    }

    /** The batch's status as last read (validating, in_progress, completed, failed, ...). */
    public String getStatus() {
        return status;
    }

    /** Its request counts, as a log text. */
    public String getProgress() {
        return progress;
    }

    /** The file id of the batch's output, or null. */
    public String getOutputFile() {
        return outputFile;
    }

    /** The file id of the batch's error lines, or null. */
    public String getErrorFile() {
        return errorFile;
    }

    /** The job is over: its lines get their outcomes now (batch-settle). */
    public boolean isTerminal() {
        return terminal;
    }

    /** The batch failed on the enqueued-token limit and is created again later from the same file. */
    public boolean isResubmit() {
        return resubmit;
    }

    void hold(boolean value) {
        held = value;
    }

    void markFound(boolean value) {
        found = value;
    }

    /** What a batch object said. */
    void read(String status, String progress, String outputFile, String errorFile, boolean terminal) {
        this.status = status;
        this.progress = progress;
        this.outputFile = outputFile;
        this.errorFile = errorFile;
        this.terminal = terminal;
        this.resubmit = false;
    }

    /** Nothing was run: the same file is submitted again, later. */
    void resubmitLater() {
        terminal = false;
        resubmit = true;
    }

    /** The API refused the job for good: it ends as failed, with no files to read. */
    void refused() {
        read("failed", progress, null, null, true);
    }

    /** A step failed that the next poll tries again. */
    void tryAgainLater() {
        terminal = false;
    }
}
