package io.github.camelllm.batch;

import io.github.camelllm.config.OnBatchFailure;
import io.github.camelllm.model.LlmConstants;

import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.ErrorInfo;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A finished batch's output and error files, mapped back to input lines by custom_id; without routes or HTTP. */
class BatchOutputTest {

    static final String MODEL = "gpt-4o-mini";

    @TempDir
    Path dir;
    OpenRun run;
    ShardJob job;

    /** A submitted shard of lines 2, 5 and 9 (custom_ids a, b, c), its file written as the aggregator does. */
    @BeforeEach
    void setUp() throws Exception {
        run = new OpenRun(dir, 10);
        job = submitted().in(Files.createDirectories(run.run.workDir().resolve("batches")));
        List<String> shard = new ArrayList<>();
        String[] ids = {"a", "b", "c"};
        long[] lines = {2, 5, 9};
        for (int i = 0; i < 3; i++) {
            shard.add(ShardAggregator.requestLine(run.prompt(lines[i], ids[i], MODEL, "question " + i)));
        }
        Files.write(job.shardPath(), shard);
    }

    /** The job of a shard whose batch batch_1 was created. */
    TestJob submitted() {
        return new TestJob().run(run.id()).shard("shard-1").model(MODEL).stage(ShardJob.SUBMITTED)
                .lines(new long[]{2, 5, 9}, "a", "b", "c").fileId("file-1").batchId("batch_1");
    }

    @AfterEach
    void tearDown() {
        run.close();
    }

    Exchange withJob(Object body) {
        Exchange exchange = run.exchange(body);
        exchange.setProperty(LlmConstants.BATCH, new BatchStep(job));
        return exchange;
    }

    Object outcome(BatchOutput output, String line) throws Exception {
        return output.outcome(withJob(line));
    }

    List<Object> remaining(BatchOutput output) throws Exception {
        List<Object> out = new ArrayList<>();
        output.remaining(withJob(null)).forEachRemaining(out::add);
        return out;
    }

    static String answered(String customId, String content, String usage) {
        return "{\"id\":\"batch_req_1\",\"custom_id\":\"" + customId + "\",\"response\":{\"status_code\":200,"
                + "\"request_id\":\"r1\",\"body\":{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\""
                + MODEL + "\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content
                + "\"},\"finish_reason\":\"stop\"}],\"usage\":" + usage + "}},\"error\":null}";
    }

    static String failedRequest(String customId, int status, String code, String message) {
        return "{\"id\":\"batch_req_2\",\"custom_id\":\"" + customId + "\",\"response\":{\"status_code\":" + status
                + ",\"request_id\":\"r2\",\"body\":{\"error\":{\"message\":\"" + message + "\",\"type\":\"server_error\","
                + "\"code\":\"" + code + "\"}}},\"error\":null}";
    }

    @Test
    void an_output_line_becomes_the_ok_result_of_the_input_line_with_its_custom_id() throws Exception {
        BatchOutput output = new BatchOutput(run.runs, OnBatchFailure.ERROR);
        Object result = outcome(output, answered("b", "answer b",
                "{\"prompt_tokens\":90,\"completion_tokens\":3,\"total_tokens\":93}"));

        assertThat(result).isEqualTo(new PromptResult(run.id(), "b", 5, PromptResult.OK, "batch", "answer b", "stop",
                new PromptResult.Usage(90, 3, 93), 1, 0, null, "batch_1", "gpt-4o-mini"));
        assertThat(job.isAnswered(1)).isTrue();
        assertThat(job.okCount()).isEqualTo(1);
    }

    @Test
    void output_lines_in_any_order_map_to_their_own_lines_and_each_counts_once() throws Exception {
        BatchOutput output = new BatchOutput(run.runs, OnBatchFailure.ERROR);
        String usage = "{\"prompt_tokens\":4,\"completion_tokens\":6}";
        PromptResult c = (PromptResult) outcome(output, answered("c", "third", usage));
        PromptResult a = (PromptResult) outcome(output, answered("a", "first", usage));

        assertThat(c.line()).isEqualTo(9);
        assertThat(a.line()).isEqualTo(2);
        assertThat(a.usage()).as("a total the API left out is the sum").isEqualTo(new PromptResult.Usage(4, 6, 10));
        assertThat(outcome(output, answered("a", "again", usage))).as("a repeated custom_id").isNull();
        assertThat(outcome(output, answered("zzz", "stranger", usage))).as("a custom_id the shard does not hold")
                .isNull();
        assertThat(outcome(output, "  ")).isNull();
        assertThat(job.okCount()).isEqualTo(2);
    }

    @Test
    void with_on_failure_error_unanswered_and_failed_lines_become_error_results() throws Exception {
        BatchOutput output = new BatchOutput(run.runs, OnBatchFailure.ERROR);
        job.ended("completed", null);
        assertThat(outcome(output, answered("b", "fine", "{}"))).isInstanceOf(PromptResult.class);
        assertThat(outcome(output, failedRequest("c", 500, "server_error", "The server had an error"))).isNull();

        List<Object> rest = remaining(output);

        assertThat(rest).hasSize(2).allSatisfy(r -> assertThat(r).isInstanceOf(PromptResult.class));
        PromptResult a = (PromptResult) rest.get(0);
        PromptResult c = (PromptResult) rest.get(1);
        assertThat(a.line()).isEqualTo(2);
        assertThat(a.status()).isEqualTo(PromptResult.ERROR);
        assertThat(a.route()).isEqualTo("batch");
        assertThat(a.batchId()).isEqualTo("batch_1");
        assertThat(a.error()).isEqualTo(new ErrorInfo("batch_missing_output",
                "batch batch_1 completed without an answer for this line", null));
        assertThat(c.line()).isEqualTo(9);
        assertThat(c.error()).isEqualTo(new ErrorInfo("server_error", "The server had an error", 500));
        assertThat(job.fallbackCount()).isEqualTo(2);
    }

    @Test
    void with_on_failure_realtime_the_same_lines_are_asked_again_in_real_time() throws Exception {
        BatchOutput output = new BatchOutput(run.runs, OnBatchFailure.REALTIME);
        outcome(output, answered("b", "fine", "{}"));
        outcome(output, failedRequest("c", 500, "server_error", "The server had an error"));

        List<Object> rest = remaining(output);

        assertThat(rest).hasSize(2).allSatisfy(r -> assertThat(r).isInstanceOf(PromptRequest.class));
        PromptRequest a = (PromptRequest) rest.get(0);
        assertThat(a.runId()).isEqualTo(run.id());
        assertThat(a.line()).isEqualTo(2);
        assertThat(a.customId()).isEqualTo("a");
        assertThat(a.model()).isEqualTo(MODEL);
        assertThat(a.mode()).isEqualTo("realtime");
        assertThat(a.body()).isEqualTo(run.prompt(2, "a", MODEL, "question 0").body());
        assertThat(((PromptRequest) rest.get(1)).customId()).isEqualTo("c");
    }

    @Test
    void an_error_file_line_names_its_own_reason() throws Exception {
        BatchOutput output = new BatchOutput(run.runs, OnBatchFailure.ERROR);
        outcome(output, "{\"id\":\"batch_req_3\",\"custom_id\":\"a\",\"response\":null,\"error\":{\"code\":"
                + "\"batch_expired\",\"message\":\"This request could not be executed before the completion window "
                + "expired.\"}}");
        outcome(output, "{\"custom_id\":\"b\",\"response\":{\"status_code\":400,\"body\":{}}}");
        job.ended("expired", null);

        List<Object> rest = remaining(output);

        assertThat(rest).extracting(r -> ((PromptResult) r).error()).containsExactly(
                new ErrorInfo("batch_expired", "This request could not be executed before the completion window "
                        + "expired.", null),
                new ErrorInfo("batch_request_failed", "the batch could not answer this line", 400),
                new ErrorInfo("batch_expired", "batch batch_1 expired before this line was executed", null));
    }

    @Test
    void a_batch_that_ended_without_answers_gives_each_line_the_batchs_reason() throws Exception {
        BatchOutput output = new BatchOutput(run.runs, OnBatchFailure.ERROR);
        job.ended("cancelled", null);
        assertThat(remaining(output)).extracting(r -> ((PromptResult) r).error().type())
                .containsExactly("batch_cancelled", "batch_cancelled", "batch_cancelled");

        job = submitted().stage(ShardJob.UPLOADED).batchId(null).in(job.dir());
        job.refused("token_limit_exceeded: Enqueued token limit reached");
        assertThat(remaining(output)).extracting(r -> ((PromptResult) r).error().message()).containsOnly(
                "batch of shard shard-1 failed: token_limit_exceeded: Enqueued token limit reached");
    }

    @Test
    void lines_that_already_have_their_result_are_left_alone() throws Exception {
        BatchOutput output = new BatchOutput(run.runs, OnBatchFailure.ERROR);
        run.runs.record(PromptResult.invalid(run.id(), "b", 5, "test", "answered before"));
        assertThat(remaining(output)).extracting(r -> ((PromptResult) r).line()).containsExactly(2L, 9L);
    }

    @Test
    void a_downloaded_file_is_saved_next_to_the_job_and_read_line_by_line() throws Exception {
        BatchOutput output = new BatchOutput(run.runs, OnBatchFailure.ERROR);
        Exchange download = withJob(new ByteArrayInputStream("one\ntwo\n".getBytes(StandardCharsets.UTF_8)));
        download.getMessage().setHeader("Content-Type", "application/octet-stream");

        download.setProperty(LlmConstants.BATCH_FILE, BatchOutput.FILE_OUTPUT);
        Iterator<String> lines = output.save(download);

        assertThat(lines).toIterable().containsExactly("one", "two");
        assertThat(job.dir().resolve("shard-1.output.jsonl")).hasContent("one\ntwo");
        assertThat(download.getMessage().getHeaders()).isEmpty();
        Exchange errors = withJob(new ByteArrayInputStream("three\n".getBytes(StandardCharsets.UTF_8)));
        errors.setProperty(LlmConstants.BATCH_FILE, BatchOutput.FILE_ERRORS);
        assertThat(output.save(errors)).toIterable().containsExactly("three");
        assertThat(job.dir().resolve("shard-1.errors.jsonl")).exists();
    }
}
