package io.github.camelllm.batch;

import java.nio.file.Path;
import java.util.List;

/** A batch job as a test needs it: the persisted part given field by field, everything else at its defaults. */
final class TestJob {

    private String runId = "run";
    private String shardId = "shard-1";
    private String model = "m";
    private String stage = ShardJob.SEALED;
    private String fileId;
    private String batchId;
    private long sealedAtMs;
    private long[] lines = new long[0];
    private String[] customIds = new String[0];
    private long tokens;
    private int resubmits;
    private long resubmitAtMs;

    TestJob run(String value) {
        runId = value;
        return this;
    }

    TestJob shard(String value) {
        shardId = value;
        return this;
    }

    TestJob model(String value) {
        model = value;
        return this;
    }

    TestJob stage(String value) {
        stage = value;
        return this;
    }

    TestJob fileId(String value) {
        fileId = value;
        return this;
    }

    TestJob batchId(String value) {
        batchId = value;
        return this;
    }

    TestJob sealedAt(long value) {
        sealedAtMs = value;
        return this;
    }

    TestJob lines(long[] numbers, String... ids) {
        lines = numbers;
        customIds = ids;
        return this;
    }

    TestJob tokens(long value) {
        tokens = value;
        return this;
    }

    TestJob resubmits(int value) {
        resubmits = value;
        return this;
    }

    TestJob resubmitAt(long value) {
        resubmitAtMs = value;
        return this;
    }

    ShardJobFile file() {
        return new ShardJobFile(runId, shardId, model, shardId + ".jsonl", 0, stage, fileId, batchId, sealedAtMs, 0,
                null, lines, customIds, tokens, resubmits, resubmitAtMs, List.of(), null);
    }

    /** The job, its files in {@code dir}. */
    ShardJob in(Path dir) {
        return new ShardJob(file(), dir);
    }
}
