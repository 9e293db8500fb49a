package io.github.camelllm.batch;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.camelllm.model.PromptResult.ErrorInfo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One shard on its way through the Batch API, persisted as {@code <workDir>/batches/<shardId>.json} at every
 * step, so a restart knows what was sent and never uploads those lines again:
 * sealed (file written) → uploaded (file id known) → submitted (batch id known) → settled (results handed out).
 * A batch that failed on the organisation's enqueued-token limit sends its job to waiting (file id kept, batch id
 * moved to limited_batch_ids): at resubmit_at_ms a new batch is created from the same file.
 */
public final class ShardJob {

    public static final String SEALED = "sealed";
    public static final String UPLOADED = "uploaded";
    public static final String SUBMITTED = "submitted";
    public static final String SETTLED = "settled";
    public static final String WAITING = "waiting";

    @JsonProperty("run_id") String runId;
    @JsonProperty("shard_id") String shardId;
    @JsonProperty("model") String model;
    @JsonProperty("shard_file") String shardFile;
    @JsonProperty("bytes") long bytes;
    @JsonProperty("stage") String stage;
    @JsonProperty("file_id") String fileId;
    @JsonProperty("batch_id") String batchId;
    @JsonProperty("sealed_at_ms") long sealedAtMs;
    @JsonProperty("created_at_ms") long createdAtMs;
    @JsonProperty("last_status") String lastStatus;
    /** Input line numbers, in shard order (line i of the shard file is lines[i]). */
    @JsonProperty("lines") long[] lines;
    @JsonProperty("custom_ids") String[] customIds;
    /** What the shard costs in the enqueued-token limit: the sum of its lines' max(max_tokens, chars / 4). */
    @JsonProperty("estimated_tokens") long tokens;
    /** How often a batch of this shard was created again after failing on the enqueued-token limit. */
    @JsonProperty("resubmits") int resubmits;
    @JsonProperty("resubmit_at_ms") long resubmitAtMs;
    /** Batches made from this file that failed on the enqueued-token limit: never adopted again. */
    @JsonProperty("limited_batch_ids") List<String> limitedBatchIds = new ArrayList<>();

    // --- in memory only ---
    @JsonIgnore transient Path dir;
    /** Held by the route working on this job (submit or poll), so two routes never act on it at once. */
    @JsonIgnore final transient AtomicBoolean claimed = new AtomicBoolean();
    /** The terminal batch was processed in this process; its fall-back lines are on their way. */
    @JsonIgnore transient volatile boolean settled;
    @JsonIgnore transient volatile String terminalStatus;
    @JsonIgnore transient volatile String failureMessage;
    /** Shard indexes answered by the batch output (guarded by this). */
    @JsonIgnore final transient BitSet answered = new BitSet();
    @JsonIgnore final transient Map<Integer, ErrorInfo> failures = new ConcurrentHashMap<>();
    @JsonIgnore transient Map<String, Integer> indexByCustomId;
    @JsonIgnore final transient AtomicLong okCount = new AtomicLong();
    @JsonIgnore final transient AtomicLong fallbackCount = new AtomicLong();
    /** Its tokens count as enqueued: admitted for upload/create and its batch not yet terminal. */
    @JsonIgnore transient volatile boolean enqueued;
    /** Its being held back was logged (once per hold). */
    @JsonIgnore transient volatile boolean holdLogged;

    ShardJob() {
        // Jackson
    }

    static ShardJob sealed(Shard shard) {
        ShardJob job = new ShardJob();
        job.runId = shard.runId;
        job.shardId = shard.shardId;
        job.model = shard.model;
        job.shardFile = shard.file.getFileName().toString();
        job.bytes = shard.bytes;
        job.stage = SEALED;
        job.sealedAtMs = System.currentTimeMillis();
        job.lines = shard.lines.stream().mapToLong(Long::longValue).toArray();
        job.customIds = shard.customIds.toArray(String[]::new);
        job.tokens = shard.tokens;
        job.dir = shard.dir;
        return job;
    }

    synchronized int indexOf(String customId) {
        if (indexByCustomId == null) {
            indexByCustomId = new HashMap<>(customIds.length * 2);
            for (int i = 0; i < customIds.length; i++) {
                indexByCustomId.put(customIds[i], i);
            }
        }
        Integer i = indexByCustomId.get(customId);
        return i == null ? -1 : i;
    }

    /** Marks a shard index as answered; false when it already was. */
    synchronized boolean answer(int index) {
        if (answered.get(index)) {
            return false;
        }
        answered.set(index);
        return true;
    }

    synchronized boolean isAnswered(int index) {
        return answered.get(index);
    }

    @JsonIgnore
    Path shardPath() {
        return dir.resolve(shardFile);
    }

    @JsonIgnore
    Path jobPath() {
        return dir.resolve(shardId + ".json");
    }

    // Getters for the routes' simple expressions.
    @JsonIgnore public String getRunId() { return runId; }
    @JsonIgnore public String getShardId() { return shardId; }
    @JsonIgnore public String getStage() { return stage; }
    @JsonIgnore public String getFileId() { return fileId; }
    @JsonIgnore public String getBatchId() { return batchId; }
    @JsonIgnore public int getSize() { return lines.length; }
    @JsonIgnore public String getTerminalStatus() { return terminalStatus; }

    @Override
    public String toString() {
        return shardId + " of run " + runId + " (" + lines.length + " lines, " + stage
                + (batchId == null ? "" : ", " + batchId) + ")";
    }
}
