package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The Batch API: create, retrieve, list (newest first) and cancel. */
final class BatchService {

    private final SimulatorConfig config;
    private final FileStore files;
    private final SimulatorStats stats;
    private final Map<String, BatchJob> batches = new ConcurrentHashMap<>();
    private final AtomicLong sequence = new AtomicLong();

    BatchService(SimulatorConfig config, FileStore files, SimulatorStats stats) {
        this.config = config;
        this.files = files;
        this.stats = stats;
    }

    int size() {
        return batches.size();
    }

    SimResponse create(JsonNode request) {
        if (request == null || !request.isObject()) {
            return OpenAiErrors.invalidRequest("The request body must be a JSON object.", null);
        }
        String inputFileId = request.path("input_file_id").asText("");
        String endpoint = request.path("endpoint").asText("");
        String window = request.path("completion_window").asText("");
        if (!Endpoints.known(endpoint)) {
            return OpenAiErrors.invalidRequest("Invalid 'endpoint': '" + endpoint + "'. The simulator supports "
                    + String.join(", ", Endpoints.ALL) + ".", "endpoint");
        }
        if (!"24h".equals(window)) {
            return OpenAiErrors.invalidRequest("Invalid 'completion_window': '" + window + "'. Supported values are: '24h'.",
                    "completion_window");
        }
        FileStore.StoredFile input = files.get(inputFileId);
        if (input == null) {
            return OpenAiErrors.error(404, "No such File object: " + inputFileId, "invalid_request_error",
                    "input_file_id", null);
        }
        JsonNode metadata = request.get("metadata");
        if (metadata != null && !metadata.isNull() && !metadata.isObject()) {
            return OpenAiErrors.invalidRequest("Invalid 'metadata': expected an object.", "metadata");
        }
        String outcome = config.batchOutcome();
        String override = metadata == null ? null : metadata.path("sim_outcome").asText(null);
        if (override != null) {
            if (!SimulatorConfig.BATCH_OUTCOMES.contains(override)) {
                return OpenAiErrors.invalidRequest("metadata.sim_outcome must be one of "
                        + SimulatorConfig.BATCH_OUTCOMES, "metadata");
            }
            outcome = override;
        }
        // Validation happens up front; its verdict is revealed once the "validating" step has passed.
        BatchInput parsed = BatchInput.parse(input.content(), endpoint);
        String model = modelOf(parsed);
        long tokens = parsed.lines().stream().mapToLong(line -> TokenEstimate.of(line.body())).sum();
        long now = System.currentTimeMillis();
        BatchJob job;
        // One lock around check and insert, so two batches created at once cannot both take the last room.
        synchronized (this) {
            List<ObjectNode> rejection = parsed.valid() ? enqueuedTokenCheck(model, tokens, now) : null;
            if (rejection != null) {
                stats.batchTokenLimitFailed();
            } else if (parsed.valid()) {
                recordEnqueued(model, parsed.lines().size(), tokens, now);
            }
            job = new BatchJob(Ids.next("batch_"), sequence.incrementAndGet(), endpoint, inputFileId, window,
                    metadata == null ? Json.MAPPER.nullNode() : metadata, now, config.batchStepMs(), outcome,
                    config.batchErrorRate(), parsed, model, tokens, rejection);
            batches.put(job.id, job);
        }
        return ok(job.toJson(now, files));
    }

    /**
     * OpenAI's enqueued-token limit: tokens of a model's unfinished batches may not exceed the limit.
     * Returns the errors of a batch that fails validation for it, or null when it fits.
     */
    private List<ObjectNode> enqueuedTokenCheck(String model, long tokens, long now) {
        long limit = config.batchMaxEnqueuedTokens();
        if (limit <= 0 || model == null) {
            return null;
        }
        long enqueued = batches.values().stream()
                .filter(b -> model.equals(b.model) && b.holdsEnqueuedTokens(now))
                .mapToLong(b -> b.tokens)
                .sum();
        if (enqueued + tokens <= limit) {
            return null;
        }
        return List.of(BatchInput.error("token_limit_exceeded", "Enqueued token limit reached for " + model
                + " in organization " + RateLimitDecision.ORG + ". Limit: " + String.format(Locale.ROOT, "%,d", limit)
                + " enqueued tokens. Please try again once some in_progress batches have been completed.", null, null));
    }

    /** What the model's unfinished batches hold with this new one, for the peaks in the stats. */
    private void recordEnqueued(String model, long requests, long tokens, long now) {
        for (BatchJob b : batches.values()) {
            if (b.model != null && b.model.equals(model) && b.holdsEnqueuedTokens(now)) {
                requests += b.requests();
                tokens += b.tokens;
            }
        }
        stats.batchEnqueued(requests, tokens);
    }

    private static String modelOf(BatchInput input) {
        if (input.lines().isEmpty()) {
            return null;
        }
        JsonNode model = input.lines().get(0).body().get("model");
        return model != null && model.isTextual() ? model.asText() : null;
    }

    SimResponse get(String id) {
        BatchJob job = batches.get(id);
        return job == null ? notFound(id) : ok(job.toJson(System.currentTimeMillis(), files));
    }

    SimResponse cancel(String id) {
        BatchJob job = batches.get(id);
        if (job == null) {
            return notFound(id);
        }
        long now = System.currentTimeMillis();
        if (!job.cancel(now)) {
            return OpenAiErrors.error(409, "Cannot cancel a batch with status '" + job.status(now) + "'.",
                    "invalid_request_error", null, null);
        }
        return ok(job.toJson(now, files));
    }

    SimResponse list(int limit, String after) {
        long now = System.currentTimeMillis();
        List<BatchJob> newestFirst = batches.values().stream()
                .sorted(Comparator.comparingLong((BatchJob b) -> b.seq).reversed())
                .toList();
        int start = 0;
        if (after != null) {
            BatchJob cursor = batches.get(after);
            if (cursor != null) {
                start = (int) newestFirst.stream().takeWhile(b -> b.seq >= cursor.seq).count();
            }
        }
        int end = Math.min(newestFirst.size(), start + limit);
        ObjectNode list = Json.MAPPER.createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        for (BatchJob job : newestFirst.subList(start, end)) {
            data.add(job.toJson(now, files));
        }
        list.put("first_id", start < end ? newestFirst.get(start).id : null);
        list.put("last_id", start < end ? newestFirst.get(end - 1).id : null);
        list.put("has_more", end < newestFirst.size());
        return ok(list);
    }

    private static SimResponse ok(ObjectNode node) {
        return SimResponse.json(200, Json.bytes(node));
    }

    private static SimResponse notFound(String id) {
        return OpenAiErrors.notFound("No batch found with id '" + id + "'.");
    }
}
