package io.github.camelllm.batch;

import io.github.camelllm.model.LlmConstants;
import org.apache.camel.Exchange;

/**
 * One step of one batch job, as one object on the exchange (property {@value LlmConstants#BATCH}): the job and
 * what the step read of its batch. The batch routes read its accessors, e.g.
 * {@code ${exchangeProperty.llmBatch.job.stage}} or {@code ${exchangeProperty.llmBatch.outputFile}} (the
 * package-private methods that change it are named apart from its accessors, so the routes find only those); what
 * a job does next they keep from the answers of {@link BatchJobs} and {@link BatchSteps}.
 */
public final class BatchStep {

    private final ShardJob job;
    private String status;
    private String progress;
    private String outputFile;
    private String errorFile;

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

    /** What a batch object said; an empty file id (the API sends "" for a file it has not got) is no file. */
    void read(String status, String progress, String outputFile, String errorFile) {
        this.status = status;
        this.progress = progress;
        this.outputFile = outputFile == null || outputFile.isBlank() ? null : outputFile;
        this.errorFile = errorFile == null || errorFile.isBlank() ? null : errorFile;
    }

    /** The API refused the job for good: it ends as failed, with no files to read. */
    void refused() {
        read("failed", progress, null, null);
    }
}
