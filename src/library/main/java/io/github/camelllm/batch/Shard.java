package io.github.camelllm.batch;

import io.github.camelllm.model.Endpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A Batch API input file being filled: one run, one endpoint, one model. Request lines go straight to disk; only the line
 * numbers and custom_ids stay in memory (what the job file needs).
 */
public final class Shard {

    final String runId;
    final Endpoint endpoint;
    final String model;
    final String shardId;
    final Path dir;
    final Path file;
    private final FileChannel channel;
    final List<Long> lines = new ArrayList<>();
    final List<String> customIds = new ArrayList<>();
    long bytes;
    /** Estimated tokens of its lines, as the enqueued-token limit counts them. */
    long tokens;
    /** Embedding inputs of its lines (an embeddings request may carry an array of them). */
    long inputs;

    Shard(String runId, Endpoint endpoint, String model, String shardId, Path dir) throws IOException {
        this.runId = runId;
        this.endpoint = endpoint;
        this.model = model;
        this.shardId = shardId;
        this.dir = dir;
        this.file = dir.resolve(shardId + ".jsonl");
        this.channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    }

    void append(long line, String customId, String jsonLine, long lineTokens, long lineInputs) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap((jsonLine + "\n").getBytes(StandardCharsets.UTF_8));
        bytes += buffer.remaining();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        tokens += lineTokens;
        inputs += lineInputs;
        lines.add(line);
        customIds.add(customId);
    }

    /** Flushes the file to the device: it is about to be referenced by a persisted job. */
    void close() throws IOException {
        channel.force(true);
        channel.close();
    }

    public int size() {
        return lines.size();
    }

    public String runId() {
        return runId;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public String model() {
        return model;
    }

    public long bytes() {
        return bytes;
    }
}
