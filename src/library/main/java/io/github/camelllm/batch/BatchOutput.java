package io.github.camelllm.batch;

import io.github.camelllm.config.OnBatchFailure;
import io.github.camelllm.cost.RunSpend;
import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.ErrorInfo;
import io.github.camelllm.openai.ChatCompletion;
import io.github.camelllm.run.Run;
import io.github.camelllm.run.RunRegistry;
import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Turns a finished batch into final outcomes: each output or error line, matched to its input line by
 * custom_id (batch output is not in input order), becomes an ok result, or a failure that follows
 * llm.batch.on-failure: {@code realtime} re-sends the prompt as a real-time call, {@code error} records an error
 * result naming why (batch_expired, batch_failed, ...). Lines the batch never answered get the same treatment.
 */
public final class BatchOutput {

    private static final Logger LOG = LoggerFactory.getLogger(BatchOutput.class);

    /** The two files of a finished batch, as the settle route names them. */
    public static final String FILE_OUTPUT = "output";
    public static final String FILE_ERRORS = "errors";

    private final RunRegistry runs;
    private final boolean fallbackToRealtime;

    public BatchOutput(RunRegistry runs, OnBatchFailure onFailure) {
        this.runs = runs;
        this.fallbackToRealtime = onFailure == OnBatchFailure.REALTIME;
    }

    /**
     * Saves a downloaded file of the batch (body: the HTTP stream) next to the job, named by which file it is
     * (property {@value LlmConstants#BATCH_FILE}: output or errors), and reads it lazily.
     */
    public Iterator<String> save(Exchange exchange) throws IOException {
        ShardJob job = BatchStep.of(exchange).getJob();
        String kind = exchange.getProperty(LlmConstants.BATCH_FILE, String.class);
        if (!FILE_OUTPUT.equals(kind) && !FILE_ERRORS.equals(kind)) {
            throw new IllegalStateException("which file of batch " + job.getBatchId() + " was downloaded? "
                    + LlmConstants.BATCH_FILE + " is " + kind + ", not " + FILE_OUTPUT + " or " + FILE_ERRORS);
        }
        Path target = job.dir().resolve(job.getShardId() + "." + kind + ".jsonl");
        try (InputStream in = exchange.getMessage().getMandatoryBody(InputStream.class)) {
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (InvalidPayloadException e) {
            throw new IOException("no " + kind + " file content", e);
        }
        exchange.getMessage().removeHeaders("*");
        return new Lines(target);
    }

    /**
     * One line of the output or error file: an ok {@link PromptResult}; a {@link PromptRequest} or error result
     * when the line failed and has no result yet; or null (unknown custom_id, repeat, or already done).
     */
    public Object outcome(Exchange exchange) throws IOException {
        ShardJob job = BatchStep.of(exchange).getJob();
        String text = exchange.getMessage().getBody(String.class);
        if (text == null || text.isBlank()) {
            return null;
        }
        JsonNode node = Jackson.MAPPER.readTree(text);
        String customId = node.path("custom_id").asText(null);
        int index = customId == null ? -1 : job.indexOf(customId);
        if (index < 0) {
            LOG.warn("batch {} answered custom_id {} which shard {} does not hold: ignored", job.getBatchId(),
                    customId, job.getShardId());
            return null;
        }
        JsonNode response = node.path("response");
        int statusCode = response.path("status_code").asInt(0);
        if (statusCode == 200 && response.path("body").isObject()) {
            if (!job.answer(index)) {
                return null;
            }
            return okResult(job.saved(), index, response.path("body"));
        }
        JsonNode error = node.path("error");
        if (error.isMissingNode() || error.isNull()) {
            error = response.path("body").path("error");
        }
        String type = error.path("code").asText(error.path("type").asText("batch_request_failed"));
        if (type.isBlank() || type.equals("null")) {
            type = "batch_request_failed";
        }
        String message = error.path("message").asText("the batch could not answer this line");
        job.failed(index, new ErrorInfo(type, message, statusCode == 0 ? null : statusCode));
        return null; // handled with the other unanswered lines by remaining()
    }

    private PromptResult okResult(ShardJobFile job, int index, JsonNode body) {
        ChatCompletion answer = ChatCompletion.of(body);
        return new PromptResult(job.runId(), job.customIds()[index], job.lines()[index], PromptResult.OK,
                PromptRequest.BATCH, answer.content(), answer.finishReason(), answer.usage(), 1, latency(job), null,
                job.batchId(), job.model());
    }

    /**
     * Every line of the job that the batch did not answer and that has no result yet, as a request for the
     * real-time queue or an error result (llm.batch.on-failure); read lazily from the shard file.
     */
    public Iterator<Object> remaining(Exchange exchange) throws IOException {
        ShardJob job = BatchStep.of(exchange).getJob();
        long[] lines = job.saved().lines();
        Run run = runs.find(job.getRunId());
        ErrorInfo fallbackReason = reason(job);
        Lines shard = new Lines(job.shardPath());
        return new Iterator<>() {
            int index = -1;
            Object next;

            @Override
            public boolean hasNext() {
                while (next == null && shard.hasNext()) {
                    String line = shard.next();
                    index++;
                    if (index >= lines.length || job.isAnswered(index) || run == null || run.isDone(lines[index])
                            || run.isRetrying(lines[index])) {
                        continue; // answered, or not this job's any more (it failed before: intake sends it again)
                    }
                    next = fallback(job, index, line, job.failureOf(index, fallbackReason));
                }
                return next != null;
            }

            @Override
            public Object next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Object value = next;
                next = null;
                return value;
            }
        };
    }

    private Object fallback(ShardJob job, int index, String shardLine, ErrorInfo reason) {
        job.fellBack();
        ShardJobFile saved = job.saved();
        if (fallbackToRealtime && !job.isBudgetRefused()) {
            try {
                String body = Jackson.MAPPER.readTree(shardLine).path("body").toString();
                return new PromptRequest(saved.runId(), saved.lines()[index], saved.customIds()[index],
                        saved.model(), body, PromptRequest.REALTIME, 0, null);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new PromptResult(saved.runId(), saved.customIds()[index], saved.lines()[index], PromptResult.ERROR,
                PromptRequest.BATCH, null, null, null, 1, latency(saved), reason, saved.batchId(), saved.model());
    }

    /** Why a line has no answer when its batch did not say: from the batch's terminal status. */
    private static ErrorInfo reason(ShardJob job) {
        if (job.isBudgetRefused()) {
            return new ErrorInfo(RunSpend.BUDGET_EXCEEDED, job.failureMessage(), null);
        }
        String status = job.terminalStatus() == null ? "failed" : job.terminalStatus();
        String batchId = job.getBatchId();
        String failure = job.failureMessage();
        return switch (status) {
            case "completed" -> new ErrorInfo("batch_missing_output",
                    "batch " + batchId + " completed without an answer for this line", null);
            case "expired" -> new ErrorInfo("batch_expired",
                    "batch " + batchId + " expired before this line was executed", null);
            case "cancelled" -> new ErrorInfo("batch_cancelled",
                    "batch " + batchId + " was cancelled before this line was executed", null);
            default -> new ErrorInfo("batch_failed", "batch " + (batchId == null ? "of shard " + job.getShardId()
                    : batchId) + " failed" + (failure == null ? "" : ": " + failure), null);
        };
    }

    private static long latency(ShardJobFile job) {
        return job.createdAtMs() <= 0 ? 0 : Math.max(0, System.currentTimeMillis() - job.createdAtMs());
    }

    /** The lines of a JSONL file, read lazily; closes itself at the end (and when the splitter closes it). */
    static final class Lines implements Iterator<String>, Closeable {
        private final BufferedReader reader;
        private String next;
        private boolean closed;

        Lines(Path file) throws IOException {
            this.reader = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        }

        @Override
        public boolean hasNext() {
            if (next == null && !closed) {
                try {
                    next = reader.readLine();
                    if (next == null) {
                        close();
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return next != null;
        }

        @Override
        public String next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            String value = next;
            next = null;
            return value;
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                reader.close();
            }
        }
    }
}
