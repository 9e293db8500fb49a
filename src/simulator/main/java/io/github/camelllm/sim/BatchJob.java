package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One batch and its lifecycle. Status is derived from elapsed time each time the batch is looked at
 * (no timers to clean up): validating, in_progress, finalizing, each {@code stepMs} long, then the
 * terminal status. Output and error files are built once, the first time the batch is seen in its
 * terminal status.
 */
final class BatchJob {
    static final String EXPIRED_MESSAGE = "This request could not be executed before the completion window expired.";

    final String id;
    final long seq;
    private final String endpoint;
    private final String inputFileId;
    private final String completionWindow;
    private final JsonNode metadata;
    private final long createdMillis;
    private final long stepMs;
    private final String outcome;
    private final double errorRate;
    private final BatchInput input;
    /** Model of the batch (of its first line), null when the file has no valid line. */
    final String model;
    /** Tokens the batch holds against the enqueued-token limit while unfinished. */
    final long tokens;
    /** Errors of a batch refused during validation although its file is valid (e.g. token_limit_exceeded). */
    private final List<ObjectNode> rejection;

    // Guarded by this: the view of the batch advances under one lock, so files are made once.
    private long cancelRequestedMillis = -1;
    private boolean materialized;
    private String outputFileId;
    private String errorFileId;
    private int completedCount;
    private int failedCount;

    BatchJob(String id, long seq, String endpoint, String inputFileId, String completionWindow, JsonNode metadata,
             long createdMillis, long stepMs, String outcome, double errorRate, BatchInput input, String model,
             long tokens, List<ObjectNode> rejection) {
        this.id = id;
        this.seq = seq;
        this.endpoint = endpoint;
        this.inputFileId = inputFileId;
        this.completionWindow = completionWindow;
        this.metadata = metadata;
        this.createdMillis = createdMillis;
        this.stepMs = stepMs;
        this.outcome = input.valid() && rejection == null ? outcome : "failed";
        this.errorRate = errorRate;
        this.input = input;
        this.model = model;
        this.tokens = tokens;
        this.rejection = rejection;
    }

    /** When the batch reaches its terminal status if nobody cancels it. */
    private long terminalMillis() {
        return "failed".equals(outcome) ? createdMillis + stepMs : createdMillis + 3 * stepMs;
    }

    private static boolean isTerminal(String status) {
        return switch (status) {
            case "completed", "failed", "expired", "cancelled" -> true;
            default -> false;
        };
    }

    synchronized String status(long now) {
        if (cancelRequestedMillis >= 0) {
            return now >= cancelRequestedMillis + stepMs ? "cancelled" : "cancelling";
        }
        long elapsed = now - createdMillis;
        if (now >= terminalMillis()) {
            return outcome;
        }
        if (elapsed < stepMs) {
            return "validating";
        }
        // An expiring batch never gets to finalize: it runs out of time while in progress.
        return elapsed < 2 * stepMs || "expired".equals(outcome) ? "in_progress" : "finalizing";
    }

    /** Request lines of its input file. */
    int requests() {
        return input.lines().size();
    }

    /** True while the batch counts against its model's enqueued-token limit (one bound to fail never does). */
    synchronized boolean holdsEnqueuedTokens(long now) {
        if ("failed".equals(outcome)) {
            return false;
        }
        return switch (status(now)) {
            case "validating", "in_progress", "finalizing" -> true;
            default -> false;
        };
    }

    /** Requests cancellation; returns false when the batch already ended. */
    synchronized boolean cancel(long now) {
        if (cancelRequestedMillis >= 0) {
            return true; // cancelling twice is harmless
        }
        if (isTerminal(status(now))) {
            return false;
        }
        cancelRequestedMillis = now;
        return true;
    }

    synchronized ObjectNode toJson(long now, FileStore files) {
        String status = status(now);
        if (("completed".equals(status) || "expired".equals(status)) && !materialized) {
            materialize(files);
        }
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("id", id);
        node.put("object", "batch");
        node.put("endpoint", endpoint);
        if (model != null) {
            node.put("model", model);
        }
        if ("failed".equals(status)) {
            List<ObjectNode> errors = !input.valid() ? input.errors()
                    : rejection != null ? rejection
                    : List.of(BatchInput.error("simulated_failure", "The batch failed (simulated outcome).", null, null));
            node.set("errors", BatchInput.errorList(errors));
        } else {
            node.putNull("errors");
        }
        node.put("input_file_id", inputFileId);
        node.put("completion_window", completionWindow);
        node.put("status", status);
        node.put("output_file_id", outputFileId);
        node.put("error_file_id", errorFileId);
        node.put("created_at", seconds(createdMillis));
        boolean cancelled = cancelRequestedMillis >= 0;
        long stopped = cancelled ? cancelRequestedMillis : Long.MAX_VALUE;
        putTimeIf(node, "in_progress_at", !"failed".equals(outcome), createdMillis + stepMs, now, stopped);
        node.put("expires_at", seconds(createdMillis) + 24 * 3600);
        putTimeIf(node, "finalizing_at", "completed".equals(outcome), createdMillis + 2 * stepMs, now, stopped);
        putTimeIf(node, "completed_at", "completed".equals(outcome), terminalMillis(), now, stopped);
        putTimeIf(node, "failed_at", "failed".equals(outcome), terminalMillis(), now, stopped);
        putTimeIf(node, "expired_at", "expired".equals(outcome), terminalMillis(), now, stopped);
        if (cancelled) {
            node.put("cancelling_at", seconds(cancelRequestedMillis));
        } else {
            node.putNull("cancelling_at");
        }
        putTimeIf(node, "cancelled_at", cancelled, cancelRequestedMillis + stepMs, now, Long.MAX_VALUE);
        ObjectNode counts = node.putObject("request_counts");
        counts.put("total", input.lines().size());
        counts.put("completed", completedCount);
        counts.put("failed", failedCount);
        node.set("metadata", metadata);
        return node;
    }

    /** A lifecycle timestamp is shown once reached, unless the batch was cancelled before it. */
    private static void putTimeIf(ObjectNode node, String field, boolean applies, long atMillis, long now, long stoppedMillis) {
        if (applies && atMillis <= now && atMillis <= stoppedMillis) {
            node.put(field, seconds(atMillis));
        } else {
            node.putNull(field);
        }
    }

    private static long seconds(long millis) {
        return millis / 1000;
    }

    /**
     * Runs every line through the same logic as the real-time endpoint. Lines go out shuffled, as
     * real batch output does not keep input order. An expired batch finishes only the first half
     * (in shuffled order); the rest land in the error file as batch_expired.
     */
    private void materialize(FileStore files) {
        materialized = true;
        List<BatchInput.Line> lines = new ArrayList<>(input.lines());
        Collections.shuffle(lines, ThreadLocalRandom.current());
        int executed = "expired".equals(outcome) ? lines.size() / 2 : lines.size();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        JsonlWriter output = new JsonlWriter();
        JsonlWriter errors = new JsonlWriter();
        for (int i = 0; i < lines.size(); i++) {
            BatchInput.Line line = lines.get(i);
            if (i >= executed) {
                errors.add(expiredLine(line.customId()));
                continue;
            }
            ChatCompletions.Outcome answer = Endpoints.answer(endpoint, line.body());
            int status = answer.status();
            ObjectNode body = answer.body();
            if (status == 200 && random.nextDouble() < errorRate) {
                status = 500;
                body = OpenAiErrors.serverErrorBody(500);
            }
            (status == 200 ? output : errors).add(responseLine(line.customId(), status, body));
        }
        completedCount = output.count;
        failedCount = errors.count;
        if (output.count > 0) {
            outputFileId = files.put(output.bytes(), id + "_output.jsonl", "batch_output").id();
        }
        if (errors.count > 0) {
            errorFileId = files.put(errors.bytes(), id + "_error.jsonl", "batch_output").id();
        }
    }

    private static ObjectNode responseLine(String customId, int status, ObjectNode body) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("id", Ids.next("batch_req_"));
        line.put("custom_id", customId);
        ObjectNode response = line.putObject("response");
        response.put("status_code", status);
        response.put("request_id", Ids.next("req_", 32));
        response.set("body", body);
        line.putNull("error");
        return line;
    }

    private static ObjectNode expiredLine(String customId) {
        ObjectNode line = Json.MAPPER.createObjectNode();
        line.put("id", Ids.next("batch_req_"));
        line.put("custom_id", customId);
        line.putNull("response");
        ObjectNode error = line.putObject("error");
        error.put("code", "batch_expired");
        error.put("message", EXPIRED_MESSAGE);
        return line;
    }

    /** Accumulates JSON lines, one object per line, each ending with a newline. */
    private static final class JsonlWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private int count;

        void add(ObjectNode node) {
            byte[] bytes = Json.bytes(node);
            out.write(bytes, 0, bytes.length);
            out.write('\n');
            count++;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    @Override
    public String toString() {
        return "BatchJob[" + id + ", lines=" + input.lines().size() + ", outcome=" + outcome + "]";
    }
}
