package io.github.camelllm.batch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.model.Endpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a batch job's file ({@code <workDir>/batches/<shardId>.json}) holds: everything a restart needs to go on
 * with the job without uploading its lines again. Immutable: each step of the job makes the next value, which is
 * written before the step counts. Its fields and their names are the file format; files written by earlier
 * versions (without token estimates or resubmissions) read as well.
 *
 * @param stage           sealed, uploaded, submitted, waiting or settled ({@link ShardJob})
 * @param lines           input line numbers, in shard order (line i of the shard file is lines[i])
 * @param customIds       their custom_ids, in the same order
 * @param tokens          what the shard costs in the enqueued-token limit: the sum of its lines'
 *                        max(max_tokens, chars / 4)
 * @param resubmits       how often a batch of this shard was created again after failing on the enqueued-token
 *                        limit
 * @param limitedBatchIds batches made from this file that failed on the enqueued-token limit: never adopted again
 * @param endpoint        the Batch API endpoint of every line ({@code /v1/embeddings}, ...); null in files of
 *                        versions that sent chat completions only
 */
record ShardJobFile(@JsonProperty("run_id") String runId,
                    @JsonProperty("shard_id") String shardId,
                    @JsonProperty("model") String model,
                    @JsonProperty("shard_file") String shardFile,
                    @JsonProperty("bytes") long bytes,
                    @JsonProperty("stage") String stage,
                    @JsonProperty("file_id") String fileId,
                    @JsonProperty("batch_id") String batchId,
                    @JsonProperty("sealed_at_ms") long sealedAtMs,
                    @JsonProperty("created_at_ms") long createdAtMs,
                    @JsonProperty("last_status") String lastStatus,
                    @JsonProperty("lines") long[] lines,
                    @JsonProperty("custom_ids") String[] customIds,
                    @JsonProperty("estimated_tokens") long tokens,
                    @JsonProperty("resubmits") int resubmits,
                    @JsonProperty("resubmit_at_ms") long resubmitAtMs,
                    @JsonProperty("limited_batch_ids") List<String> limitedBatchIds,
                    @JsonProperty("endpoint") @JsonInclude(JsonInclude.Include.NON_NULL) String endpoint) {

    ShardJobFile {
        limitedBatchIds = limitedBatchIds == null ? List.of()
                : Collections.unmodifiableList(new ArrayList<>(limitedBatchIds));
    }

    /** A shard just closed: nothing of it was sent yet. */
    static ShardJobFile sealed(Shard shard, long nowMs) {
        return new ShardJobFile(shard.runId, shard.shardId, shard.model, shard.file.getFileName().toString(),
                shard.bytes, ShardJob.SEALED, null, null, nowMs, 0, null,
                shard.lines.stream().mapToLong(Long::longValue).toArray(), shard.customIds.toArray(String[]::new),
                shard.tokens, 0, 0, List.of(), shard.endpoint.url());
    }

    /** Reads a job file; a file from before token estimates counts its bytes over four (an over-count). */
    static ShardJobFile read(Path file) throws IOException {
        ShardJobFile saved = Jackson.MAPPER.readValue(file.toFile(), ShardJobFile.class);
        if (saved.tokens > 0) {
            return saved;
        }
        return new ShardJobFile(saved.runId, saved.shardId, saved.model, saved.shardFile, saved.bytes, saved.stage,
                saved.fileId, saved.batchId, saved.sealedAtMs, saved.createdAtMs, saved.lastStatus, saved.lines,
                saved.customIds, saved.bytes / 4, saved.resubmits, saved.resubmitAtMs, saved.limitedBatchIds,
                saved.endpoint);
    }

    /** The endpoint of the shard's lines (chat completions for a file that names none). */
    Endpoint endpointOf() {
        Endpoint e = endpoint == null ? null : Endpoint.ofUrl(endpoint);
        return e == null ? Endpoint.CHAT_COMPLETIONS : e;
    }

    /** The Batch API's name of that endpoint. */
    String endpointUrl() {
        return endpointOf().url();
    }

    String toJson() throws IOException {
        return Jackson.MAPPER.writeValueAsString(this);
    }

    /** The shard file was uploaded as {@code id}. */
    ShardJobFile uploadedAs(String id) {
        return new ShardJobFile(runId, shardId, model, shardFile, bytes, ShardJob.UPLOADED, id, batchId, sealedAtMs,
                createdAtMs, lastStatus, lines, customIds, tokens, resubmits, resubmitAtMs, limitedBatchIds, endpoint);
    }

    /** A batch of the uploaded file exists (created, or found after a lost answer). */
    ShardJobFile submittedAs(String id, long createdAt, String status) {
        return new ShardJobFile(runId, shardId, model, shardFile, bytes, ShardJob.SUBMITTED, fileId, id, sealedAtMs,
                createdAt, status, lines, customIds, tokens, resubmits, 0, limitedBatchIds, endpoint);
    }

    /** The batch's status as last read. */
    ShardJobFile withStatus(String status) {
        return new ShardJobFile(runId, shardId, model, shardFile, bytes, stage, fileId, batchId, sealedAtMs,
                createdAtMs, status, lines, customIds, tokens, resubmits, resubmitAtMs, limitedBatchIds, endpoint);
    }

    /**
     * The batch failed on the enqueued-token limit: it is never adopted again, and a new batch of the same file
     * is created at {@code atMs}.
     */
    ShardJobFile waitingUntil(long atMs) {
        List<String> limited = new ArrayList<>(limitedBatchIds);
        limited.add(batchId);
        return new ShardJobFile(runId, shardId, model, shardFile, bytes, ShardJob.WAITING, fileId, null, sealedAtMs,
                createdAtMs, null, lines, customIds, tokens, resubmits + 1, atMs, limited, endpoint);
    }

    /** Every line has its result or is on its way to one. */
    ShardJobFile settled() {
        return new ShardJobFile(runId, shardId, model, shardFile, bytes, ShardJob.SETTLED, fileId, batchId,
                sealedAtMs, createdAtMs, lastStatus, lines, customIds, tokens, resubmits, resubmitAtMs,
                limitedBatchIds, endpoint);
    }

    @Override
    public String toString() {
        return shardId + " of run " + runId + " (" + lines.length + " lines, " + stage
                + (batchId == null ? "" : ", " + batchId) + ")";
    }
}
