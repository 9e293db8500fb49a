package io.github.camelllm.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static io.github.camelllm.OpenAiStubs.error;
import static io.github.camelllm.OpenAiStubs.json;
import static io.github.camelllm.OpenAiStubs.rateLimited;
import static io.github.camelllm.OpenAiStubs.serverError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Batch API's enqueued-token limit, against a real HTTP server (WireMock scenarios): batches that fail with
 * token_limit_exceeded are created again from the same file, and llm.batch.max-enqueued-tokens holds shards back;
 * other failed Files/Batches calls are tried again or end the job as ApiFailure decides.
 */
class BatchTokenLimitTest {

    private static final String LONG = "Summarise this: " + "lorem ipsum dolor sit amet ".repeat(12);
    private static final String FILES = "/v1/files";
    private static final String BATCHES = "/v1/batches";
    private static final String LIMIT_ERROR = "{\"object\":\"list\",\"data\":[{\"code\":\"token_limit_exceeded\","
            + "\"message\":\"Enqueued token limit reached for gpt-4o-mini in organization org-xyz. Limit: 90,000 "
            + "enqueued tokens. Please try again once some in_progress batches have been completed.\","
            + "\"param\":null,\"line\":null}]}";

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs(options().dynamicPort());
    @TempDir
    Path dir;
    private PipelineFixture pipeline;

    @BeforeEach
    void setUp() {
        pipeline = new PipelineFixture(dir, api.baseUrl())
                .with("llm.route.long-prompt-tokens", "50")
                .with("llm.batch.flush-ms", "300")
                .with("llm.batch.poll-interval-ms", "100")
                .with("llm.retry.max-attempts", "1");
    }

    @AfterEach
    void stop() {
        pipeline.close();
    }

    /** Starts the pipeline with these further settings (name, value, ...). */
    private PipelineFixture start(String... settings) throws Exception {
        for (int i = 0; i + 1 < settings.length; i += 2) {
            pipeline.with(settings[i], settings[i + 1]);
        }
        pipeline.start();
        return pipeline;
    }

    private RunSummary run(Path file) throws Exception {
        return pipeline.app().submitFile(file).get(30, TimeUnit.SECONDS);
    }

    /** {@code n} long prompts (batch route), each costing exactly 1000 tokens (their max_tokens). */
    private Path prompts(String name, int n) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            lines.add(PipelineFixture.line("b" + i, LONG + i, "\"max_tokens\":1000"));
        }
        return pipeline.write(name, lines);
    }

    // ------------------------------------------------------------------------------------ API answers

    private static String batch(String id, String fileId, String status, String extra) {
        return "{\"id\":\"" + id + "\",\"object\":\"batch\",\"endpoint\":\"/v1/chat/completions\",\"input_file_id\":\""
                + fileId + "\",\"completion_window\":\"24h\",\"status\":\"" + status + "\",\"created_at\":1700000000,"
                + "\"request_counts\":{\"total\":0,\"completed\":0,\"failed\":0}" + (extra == null ? "" : "," + extra)
                + "}";
    }

    private static String limitFailed(String id, String fileId) {
        return batch(id, fileId, "failed", "\"errors\":" + LIMIT_ERROR);
    }

    private static String completed(String id, String fileId, String outputFile) {
        return batch(id, fileId, "completed", "\"output_file_id\":\"" + outputFile + "\"");
    }

    /** An output file that answers custom_ids b1..bN (lines a shard does not hold are ignored). */
    private static String output(int n) {
        StringBuilder out = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            out.append("{\"id\":\"batch_req_").append(i).append("\",\"custom_id\":\"b").append(i)
                    .append("\",\"response\":{\"status_code\":200,\"request_id\":\"r").append(i).append("\",\"body\":")
                    .append("{\"id\":\"chatcmpl-").append(i).append("\",\"object\":\"chat.completion\",\"model\":")
                    .append("\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",")
                    .append("\"content\":\"answer ").append(i).append("\"},\"finish_reason\":\"stop\"}],\"usage\":")
                    .append("{\"prompt_tokens\":90,\"completion_tokens\":3,\"total_tokens\":93}}},\"error\":null}\n");
        }
        return out.toString();
    }

    private void stubUpload(String fileId) {
        api.server().stubFor(post(urlEqualTo(FILES)).willReturn(okJson(
                "{\"id\":\"" + fileId + "\",\"object\":\"file\",\"purpose\":\"batch\",\"bytes\":1}")));
    }

    private void stubOutput(String fileId, int n) {
        api.server().stubFor(get(urlEqualTo(FILES + "/" + fileId + "/content")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/octet-stream").withBody(output(n))));
    }

    private void stubCheck(String batchId, String body) {
        api.server().stubFor(get(urlEqualTo(BATCHES + "/" + batchId)).willReturn(okJson(body)));
    }

    private void stubNoBatchesListed() {
        api.server().stubFor(get(urlPathEqualTo(BATCHES)).willReturn(okJson("{\"object\":\"list\",\"data\":[]}")));
    }

    /** POST /batches answers with these batch ids in turn (a scenario), all made from {@code fileId}. */
    private void stubCreates(String fileId, String... ids) {
        for (int i = 0; i < ids.length; i++) {
            ScenarioMappingBuilder create = post(urlEqualTo(BATCHES)).inScenario("creates")
                    .whenScenarioStateIs(i == 0 ? STARTED : "created " + i);
            if (i + 1 < ids.length) {
                create = create.willSetStateTo("created " + (i + 1));
            }
            api.server().stubFor(create.willReturn(okJson(batch(ids[i], fileId, "validating", null))));
        }
    }

    /** file-1 is uploaded; its first batch fails on the enqueued-token limit, the second one completes. */
    private void stubLimitedThenCompleted() {
        stubUpload("file-1");
        stubCreates("file-1", "batch_1", "batch_2");
        stubCheck("batch_1", limitFailed("batch_1", "file-1"));
        stubCheck("batch_2", completed("batch_2", "file-1", "file-out"));
    }

    private int uploads() {
        return api.server().findAll(postRequestedFor(urlEqualTo(FILES))).size();
    }

    private int creates() {
        return api.server().findAll(postRequestedFor(urlEqualTo(BATCHES))).size();
    }

    private int realtimeCalls() {
        return api.chatCalls();
    }

    private List<JsonNode> results(String name) throws IOException {
        return pipeline.results(name);
    }

    /** The persisted job files of every run, by stage. */
    private Map<String, List<JsonNode>> jobsByStage() throws IOException {
        return pipeline.batchJobs().stream().collect(Collectors.groupingBy(j -> j.path("stage").asText()));
    }

    private static void assertAllOkByBatch(List<JsonNode> results, int n) {
        assertThat(results).hasSize(n).allSatisfy(r -> {
            assertThat(r.path("status").asText()).isEqualTo("ok");
            assertThat(r.path("route").asText()).isEqualTo("batch");
            assertThat(r.path("content").asText()).isEqualTo("answer " + r.path("custom_id").asText().substring(1));
        });
    }

    // ------------------------------------------------------------------------------------------ tests

    @Test
    void a_batch_failed_on_the_enqueued_token_limit_is_created_again_from_the_same_file() throws Exception {
        stubLimitedThenCompleted();
        // the failed batch is listed with the same input file: it must not be adopted again
        api.server().stubFor(get(urlPathEqualTo(BATCHES)).willReturn(okJson(
                "{\"object\":\"list\",\"data\":[" + limitFailed("batch_1", "file-1") + "]}")));
        stubOutput("file-out", 3);

        start();
        RunSummary summary = run(prompts("limited.jsonl", 3));

        assertThat(uploads()).isEqualTo(1);
        assertThat(creates()).isEqualTo(2);
        assertThat(realtimeCalls()).isZero();
        assertThat(summary.succeeded()).isEqualTo(3);
        assertThat(summary.failed()).isZero();
        assertThat(summary.batch()).isEqualTo(3);
        assertThat(summary.realtime()).isZero();
        assertThat(summary.batchIds()).contains("batch_2");
        assertAllOkByBatch(results("limited"), 3);
        assertThat(results("limited")).allSatisfy(r -> assertThat(r.path("batch_id").asText()).isEqualTo("batch_2"));
        // the job is marked settled just after its last result went out, which may complete the run first
        await().atMost(Duration.ofSeconds(10)).until(() -> jobsByStage().containsKey(ShardJob.SETTLED));
        JsonNode job = jobsByStage().get(ShardJob.SETTLED).get(0);
        assertThat(job.path("resubmits").asInt()).isEqualTo(1);
        assertThat(job.path("limited_batch_ids").get(0).asText()).isEqualTo("batch_1");
        assertThat(job.path("file_id").asText()).isEqualTo("file-1");
    }

    @Test
    void shards_over_max_enqueued_tokens_wait_for_earlier_batches_to_finish() throws Exception {
        // two shards of 2 lines, 2000 tokens each: one fits in 3000, two do not
        api.server().stubFor(post(urlEqualTo(FILES)).willReturn(okJson("{\"id\":\"file-{{randomValue length=8 "
                + "type='ALPHANUMERIC'}}\",\"object\":\"file\",\"purpose\":\"batch\"}").withTransformers("response-template")));
        stubCreates("file-x", "batch_1", "batch_2");
        api.server().stubFor(get(urlEqualTo(BATCHES + "/batch_1")).inScenario("first batch").whenScenarioStateIs(STARTED)
                .willReturn(okJson(batch("batch_1", "file-x", "in_progress", null))));
        api.server().stubFor(get(urlEqualTo(BATCHES + "/batch_1")).inScenario("first batch").whenScenarioStateIs("done")
                .willReturn(okJson(completed("batch_1", "file-x", "file-out"))));
        stubCheck("batch_2", completed("batch_2", "file-x", "file-out"));
        stubOutput("file-out", 4);
        start("llm.batch.max-requests", "2", "llm.batch.max-enqueued-tokens", "3000");

        CompletableFuture<RunSummary> pending = pipeline.app().submitFile(prompts("held.jsonl", 4));
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
                api.server().findAll(getRequestedFor(urlEqualTo(BATCHES + "/batch_1"))).size() >= 3
                        && jobsByStage().getOrDefault(ShardJob.SEALED, List.of()).size() == 1);
        // the first batch is in progress, polled again and again: the second shard waits sealed, not uploaded
        assertThat(creates()).isEqualTo(1);
        assertThat(uploads()).isEqualTo(1);
        assertThat(jobsByStage().get(ShardJob.SEALED).get(0).path("estimated_tokens").asLong()).isEqualTo(2000);

        Date released = new Date();
        api.server().setScenarioState("first batch", "done");
        RunSummary summary = pending.get(30, TimeUnit.SECONDS);

        assertThat(creates()).isEqualTo(2);
        assertThat(uploads()).isEqualTo(2);
        List<ServeEvent> creates = api.server().getAllServeEvents().stream()
                .filter(e -> e.getRequest().getMethod().getName().equals("POST") && e.getRequest().getUrl().equals(BATCHES))
                .toList();
        Date secondCreate = creates.stream().map(e -> e.getRequest().getLoggedDate()).max(Date::compareTo).orElseThrow();
        assertThat(secondCreate).isAfterOrEqualTo(released);
        assertThat(summary.succeeded()).isEqualTo(4);
        assertThat(summary.realtime()).isZero();
        assertThat(realtimeCalls()).isZero();
        assertAllOkByBatch(results("held"), 4);
    }

    @Test
    void shards_are_cut_to_fit_max_enqueued_tokens_and_go_one_after_the_other() throws Exception {
        stubUpload("file-1");
        stubCreates("file-1", "batch_1", "batch_2");
        stubCheck("batch_1", completed("batch_1", "file-1", "file-out"));
        stubCheck("batch_2", completed("batch_2", "file-1", "file-out"));
        stubOutput("file-out", 3);
        start("llm.batch.max-enqueued-tokens", "2500"); // 3 prompts of 1000 tokens: shards of 2000 and 1000

        RunSummary summary = run(prompts("cut.jsonl", 3));

        assertThat(creates()).isEqualTo(2);
        assertThat(pipeline.batchJobs()).hasSize(2).allSatisfy(job ->
                assertThat(job.path("estimated_tokens").asLong()).isLessThanOrEqualTo(2500));
        assertThat(summary.succeeded()).isEqualTo(3);
        assertThat(realtimeCalls()).isZero();
        assertAllOkByBatch(results("cut"), 3);
    }

    @Test
    void a_shard_that_can_never_fit_is_not_created_again_on_the_enqueued_token_limit() throws Exception {
        stubUpload("file-1");
        stubCreates("file-1", "batch_1", "batch_2");
        stubCheck("batch_1", limitFailed("batch_1", "file-1"));
        stubNoBatchesListed();
        start("llm.batch.max-enqueued-tokens", "500", "llm.batch.on-failure", "error"); // one prompt of 1000

        RunSummary summary = run(prompts("huge.jsonl", 1));

        assertThat(creates()).as("sent alone once, never again").isEqualTo(1);
        assertThat(summary.failed()).isEqualTo(1);
        assertThat(results("huge")).singleElement().satisfies(r -> assertThat(r.path("error").path("message").asText())
                .contains("token_limit_exceeded").contains("not created again"));
    }

    @Test
    void a_limit_that_never_frees_ends_in_on_failure_after_max_resubmits() throws Exception {
        stubUpload("file-1");
        api.server().stubFor(post(urlEqualTo(BATCHES)).willReturn(okJson(batch("batch_{{randomValue length=8 "
                + "type='ALPHANUMERIC'}}", "file-1", "validating", null)).withTransformers("response-template")));
        api.server().stubFor(get(urlPathMatching(BATCHES + "/batch_[A-Za-z0-9]+"))
                .willReturn(okJson(limitFailed("batch_x", "file-1"))));
        stubNoBatchesListed();
        start("llm.batch.max-resubmits", "2", "llm.batch.on-failure", "error");

        RunSummary summary = run(prompts("never.jsonl", 2));

        assertThat(uploads()).isEqualTo(1);
        assertThat(creates()).isEqualTo(3); // the first batch and two resubmissions
        assertThat(realtimeCalls()).isZero();
        assertThat(summary.failed()).isEqualTo(2);
        assertThat(results("never")).hasSize(2).allSatisfy(r -> {
            assertThat(r.path("status").asText()).isEqualTo("error");
            assertThat(r.path("error").path("type").asText()).isEqualTo("batch_failed");
            assertThat(r.path("error").path("message").asText())
                    .contains("token_limit_exceeded")
                    .contains("Enqueued token limit reached for gpt-4o-mini")
                    .contains("llm.batch.max-resubmits=2");
        });
    }

    @Test
    void a_rate_limited_create_is_tried_again_and_a_refused_one_ends_the_job() throws Exception {
        stubUpload("file-1");
        api.inTurn(() -> post(urlEqualTo(BATCHES)), "refused", rateLimited(), json(400,
                error("The input file is not valid JSONL.", "invalid_request_error", "invalid_file")));
        stubNoBatchesListed();
        start("llm.batch.on-failure", "error");

        RunSummary summary = run(prompts("refused.jsonl", 2));

        assertThat(uploads()).isEqualTo(1);
        assertThat(creates()).isEqualTo(2); // the 429 was tried again, the 400 was not
        assertThat(summary.failed()).isEqualTo(2);
        assertThat(results("refused")).allSatisfy(r -> assertThat(r.path("error").path("message").asText())
                .contains("HTTP 400 invalid_file: The input file is not valid JSONL."));
    }

    @Test
    void a_restart_while_a_job_waits_for_resubmission_resumes_it_without_uploading_again() throws Exception {
        stubLimitedThenCompleted();
        stubOutput("file-out", 3);
        // the first process never gets past looking for an earlier batch of the file: the job stays waiting
        api.server().stubFor(get(urlPathEqualTo(BATCHES)).inScenario("restart").whenScenarioStateIs(STARTED)
                .willReturn(serverError(503, "overloaded")));
        api.server().stubFor(get(urlPathEqualTo(BATCHES)).inScenario("restart").whenScenarioStateIs("second process")
                .willReturn(okJson("{\"object\":\"list\",\"data\":[" + limitFailed("batch_1", "file-1") + "]}")));
        Path file = prompts("restart.jsonl", 3);

        CompletableFuture<RunSummary> pending = start().app().submitFile(file);
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() ->
                jobsByStage().containsKey(ShardJob.WAITING)
                        && !api.server().findAll(getRequestedFor(urlPathEqualTo(BATCHES))).isEmpty());
        pipeline.stop();
        assertThat(pending).isNotDone();
        assertThat(uploads()).isEqualTo(1);
        assertThat(creates()).isEqualTo(1);
        JsonNode waiting = jobsByStage().get(ShardJob.WAITING).get(0);
        assertThat(waiting.path("file_id").asText()).isEqualTo("file-1");
        assertThat(waiting.path("batch_id").isNull()).isTrue();
        assertThat(waiting.path("resubmits").asInt()).isEqualTo(1);

        api.server().setScenarioState("restart", "second process");
        start();
        RunSummary summary = run(file);

        assertThat(uploads()).isEqualTo(1); // never uploaded again
        assertThat(creates()).isEqualTo(2);
        assertThat(realtimeCalls()).isZero();
        assertThat(summary.succeeded()).isEqualTo(3);
        assertThat(summary.realtime()).isZero();
        assertAllOkByBatch(results("restart"), 3);
    }
}
