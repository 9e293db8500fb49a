package io.github.camelllm.batch;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.openai.ApiException;
import io.github.camelllm.openai.ApiFailure;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * The Files and Batches APIs as this pipeline uses them: the requests it sends (upload a shard, create a batch)
 * and the answers it reads (a file object, a batch object, a list of batches), bound to records. What a step
 * then does with an answer is {@link BatchJobs}'s.
 */
public final class BatchApi {

    static final String TOKEN_LIMIT = "token_limit_exceeded";

    /** A file object (POST /files). */
    public record FileObject(String id) {
    }

    /** A batch object (POST /batches, GET /batches/{id}), the fields this pipeline reads. */
    public record Batch(String id, String status, @JsonProperty("input_file_id") String inputFileId,
                        @JsonProperty("output_file_id") String outputFileId,
                        @JsonProperty("error_file_id") String errorFileId,
                        @JsonProperty("created_at") long createdAt,
                        @JsonProperty("request_counts") RequestCounts requestCounts, Errors errors) {

        /** completed, failed, expired and cancelled batches change no more. */
        public boolean terminal() {
            return switch (statusText()) {
                case "completed", "failed", "expired", "cancelled" -> true;
                default -> false;
            };
        }

        /** The status, "unknown" when the answer names none. */
        public String statusText() {
            return status == null ? "unknown" : status;
        }

        /** The request counts as a log text. */
        public String progress() {
            RequestCounts c = requestCounts == null ? new RequestCounts(0, 0, 0) : requestCounts;
            return c.completed() + "/" + c.total() + " completed, " + c.failed() + " failed";
        }

        /** The first of the batch's errors, as "code: message", or null. */
        public String firstError() {
            List<BatchError> list = errors == null ? null : errors.data();
            return list == null || list.isEmpty() ? null : list.get(0).code() + ": " + list.get(0).message();
        }

        /** The batch's token_limit_exceeded error, or null. */
        public BatchError tokenLimitError() {
            if (errors == null || errors.data() == null) {
                return null;
            }
            return errors.data().stream().filter(e -> TOKEN_LIMIT.equals(e.code())).findFirst().orElse(null);
        }
    }

    public record RequestCounts(long total, long completed, long failed) {
    }

    public record Errors(List<BatchError> data) {
    }

    public record BatchError(String code, String message) {
        @Override
        public String code() {
            return code == null ? "" : code;
        }

        @Override
        public String message() {
            return message == null ? "" : message;
        }
    }

    /** GET /batches: one page of batches, newest first. */
    public record BatchList(List<Batch> data) {
        public List<Batch> batches() {
            return data == null ? List.of() : data;
        }
    }

    /** POST /batches body. */
    record CreateBatch(@JsonProperty("input_file_id") String inputFileId, String endpoint,
                       @JsonProperty("completion_window") String completionWindow, Metadata metadata) {
    }

    record Metadata(@JsonProperty("run_id") String runId, @JsonProperty("shard_id") String shardId, String lines,
                    String source) {
    }

    /**
     * POST /files: the shard as a multipart upload with purpose=batch, streamed from disk (body: a
     * {@link HttpRequest.BodyPublisher} for {@link BatchHttp#upload}).
     */
    public void uploadRequest(Exchange exchange) throws IOException {
        ShardJob job = BatchStep.of(exchange).getJob();
        String boundary = "batch_boundary_" + UUID.randomUUID();
        String filename = (job.getRunId() + "-" + job.saved().shardFile()).replace("\"", "");
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"purpose\"\r\n"
                + "Content-Type: text/plain; charset=UTF-8\r\n"
                + "\r\n"
                + "batch\r\n"
                + "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"file\"; filename=\"" + filename + "\"\r\n"
                + "Content-Type: application/jsonl\r\n"
                + "\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "multipart/form-data; boundary=" + boundary);
        exchange.getMessage().setBody(HttpRequest.BodyPublishers.concat(
                HttpRequest.BodyPublishers.ofByteArray(head.getBytes(StandardCharsets.UTF_8)),
                HttpRequest.BodyPublishers.ofFile(job.shardPath()),
                HttpRequest.BodyPublishers.ofByteArray(tail.getBytes(StandardCharsets.UTF_8))));
    }

    /** POST /batches: a batch of the uploaded file, named by run and shard in its metadata. */
    public String createRequest(Exchange exchange) throws JsonProcessingException {
        ShardJob job = BatchStep.of(exchange).getJob();
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        return Jackson.MAPPER.writeValueAsString(new CreateBatch(job.getFileId(), job.saved().endpointUrl(), "24h",
                new Metadata(job.getRunId(), job.getShardId(), Integer.toString(job.getSize()), "camel-llm-pipeline")));
    }

    static FileObject file(Exchange exchange) throws IOException {
        return read(exchange, FileObject.class);
    }

    static Batch batch(Exchange exchange) throws IOException {
        return read(exchange, Batch.class);
    }

    static BatchList batches(Exchange exchange) throws IOException {
        return read(exchange, BatchList.class);
    }

    private static <T> T read(Exchange exchange, Class<T> type) throws IOException {
        try (InputStream in = exchange.getMessage().getBody(InputStream.class)) {
            if (in == null) {
                throw new IOException("empty answer from the API");
            }
            T value = Jackson.MAPPER.readValue(in, type);
            if (value == null) {
                throw new IOException("empty answer from the API");
            }
            return value;
        }
    }

    /** The failed Files/Batches call as the API answered it, or null when no answer came (timeout, I/O). */
    static ApiFailure failure(Throwable failure) {
        return failure instanceof ApiException api ? api.failure() : null;
    }
}
