package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchApiTest {
    private static OpenAiSimulator sim;
    private static SimHttp http;

    @BeforeAll
    static void start() {
        sim = new OpenAiSimulator(SimulatorConfig.defaults().withBatchStepMs(50));
        sim.start();
        http = new SimHttp(sim.baseUrl());
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static String batchInput(int lines) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            sb.append("{\"custom_id\":\"req-").append(i).append("\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",")
                    .append("\"body\":").append(SimHttp.chatBody("prompt " + i)).append("}\n");
        }
        return sb.toString();
    }

    static JsonNode createBatch(SimHttp client, String fileId, String metadataJson) throws Exception {
        HttpResponse<String> response = client.postJson("/batches", "{\"input_file_id\":\"" + fileId + "\","
                + "\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\",\"metadata\":" + metadataJson + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return SimHttp.json(response);
    }

    static JsonNode awaitStatus(SimHttp client, String batchId, String status) {
        AtomicReference<JsonNode> last = new AtomicReference<>();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
            last.set(SimHttp.json(client.get("/batches/" + batchId)));
            return status.equals(last.get().path("status").asText());
        });
        return last.get();
    }

    static List<JsonNode> jsonLines(String content) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : content.split("\n")) {
            if (!line.isBlank()) {
                lines.add(SimHttp.MAPPER.readTree(line));
            }
        }
        return lines;
    }

    @Test
    void uploaded_file_can_be_read_back() throws Exception {
        String content = batchInput(3);
        JsonNode file = http.uploadFile("input.jsonl", "batch", content);

        assertThat(file.path("id").asText()).startsWith("file-");
        assertThat(file.path("object").asText()).isEqualTo("file");
        assertThat(file.path("bytes").asInt()).isEqualTo(content.length());
        assertThat(file.path("filename").asText()).isEqualTo("input.jsonl");
        assertThat(file.path("purpose").asText()).isEqualTo("batch");
        assertThat(file.path("created_at").asLong()).isPositive();

        HttpResponse<String> meta = http.get("/files/" + file.path("id").asText());
        HttpResponse<String> raw = http.get("/files/" + file.path("id").asText() + "/content");
        assertThat(SimHttp.json(meta).path("id").asText()).isEqualTo(file.path("id").asText());
        assertThat(raw.body()).isEqualTo(content);
        assertThat(http.get("/files/file-missing").statusCode()).isEqualTo(404);
        assertThat(http.get("/files/file-missing/content").statusCode()).isEqualTo(404);
    }

    @Test
    void large_upload_survives_intact() throws Exception {
        String content = batchInput(20_000); // ~4 MB, far past the multipart decoder's small default buffers
        JsonNode file = http.uploadFile("large.jsonl", "batch", content);

        assertThat(file.path("bytes").asInt()).isEqualTo(content.length());
        assertThat(http.get("/files/" + file.path("id").asText() + "/content").body()).isEqualTo(content);
    }

    @Test
    void batch_completes_with_every_custom_id_exactly_once() throws Exception {
        int n = 50;
        String fileId = http.uploadFile("batch.jsonl", "batch", batchInput(n)).path("id").asText();
        JsonNode created = createBatch(http, fileId, "{\"run\":\"r1\"}");

        assertThat(created.path("id").asText()).startsWith("batch_");
        assertThat(created.path("object").asText()).isEqualTo("batch");
        assertThat(created.path("status").asText()).isEqualTo("validating");
        assertThat(created.path("input_file_id").asText()).isEqualTo(fileId);
        assertThat(created.path("metadata").path("run").asText()).isEqualTo("r1");
        assertThat(created.path("errors").isNull()).isTrue();

        JsonNode done = awaitStatus(http, created.path("id").asText(), "completed");
        assertThat(done.path("request_counts").path("total").asInt()).isEqualTo(n);
        assertThat(done.path("request_counts").path("completed").asInt()).isEqualTo(n);
        assertThat(done.path("request_counts").path("failed").asInt()).isZero();
        assertThat(done.path("error_file_id").isNull()).isTrue();
        assertThat(done.path("completed_at").isNumber()).isTrue();
        assertThat(done.path("in_progress_at").isNumber()).isTrue();
        assertThat(done.path("finalizing_at").isNumber()).isTrue();

        String output = http.get("/files/" + done.path("output_file_id").asText() + "/content").body();
        Map<String, Integer> seen = new HashMap<>();
        List<String> order = new ArrayList<>();
        for (JsonNode line : jsonLines(output)) {
            String customId = line.path("custom_id").asText();
            seen.merge(customId, 1, Integer::sum);
            order.add(customId);
            assertThat(line.path("id").asText()).startsWith("batch_req_");
            assertThat(line.path("error").isNull()).isTrue();
            assertThat(line.at("/response/status_code").asInt()).isEqualTo(200);
            assertThat(line.at("/response/request_id").asText()).isNotEmpty();
            String index = customId.substring("req-".length());
            assertThat(line.at("/response/body/choices/0/message/content").asText()).isEqualTo("echo: prompt " + index);
            assertThat(line.at("/response/body/object").asText()).isEqualTo("chat.completion");
        }
        assertThat(seen).hasSize(n).allSatisfy((id, count) -> assertThat(count).isEqualTo(1));
        List<String> inputOrder = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            inputOrder.add("req-" + i);
        }
        assertThat(order).as("output is shuffled like the real API").isNotEqualTo(inputOrder);
    }

    @Test
    void batch_error_rate_splits_lines_between_output_and_error_files() throws Exception {
        try (OpenAiSimulator faulty = new OpenAiSimulator(SimulatorConfig.defaults().withBatchStepMs(20).withBatchErrorRate(0.5))) {
            faulty.start();
            SimHttp client = new SimHttp(faulty.baseUrl());
            String fileId = client.uploadFile("b.jsonl", "batch", batchInput(40)).path("id").asText();
            JsonNode done = awaitStatus(client, createBatch(client, fileId, "null").path("id").asText(), "completed");

            int completed = done.at("/request_counts/completed").asInt();
            int failed = done.at("/request_counts/failed").asInt();
            assertThat(completed + failed).isEqualTo(40);
            List<JsonNode> errors = failed == 0 ? List.of()
                    : jsonLines(client.get("/files/" + done.path("error_file_id").asText() + "/content").body());
            assertThat(errors).hasSize(failed).allSatisfy(line -> {
                assertThat(line.at("/response/status_code").asInt()).isEqualTo(500);
                assertThat(line.at("/response/body/error/type").asText()).isEqualTo("server_error");
            });
        }
    }

    @Test
    void expired_batch_puts_unfinished_lines_in_error_file() throws Exception {
        int n = 10;
        String fileId = http.uploadFile("e.jsonl", "batch", batchInput(n)).path("id").asText();
        JsonNode created = createBatch(http, fileId, "{\"sim_outcome\":\"expired\"}");

        JsonNode expired = awaitStatus(http, created.path("id").asText(), "expired");
        assertThat(expired.path("expired_at").isNumber()).isTrue();
        assertThat(expired.path("completed_at").isNull()).isTrue();
        List<JsonNode> errors = jsonLines(http.get("/files/" + expired.path("error_file_id").asText() + "/content").body());
        List<JsonNode> outputs = jsonLines(http.get("/files/" + expired.path("output_file_id").asText() + "/content").body());

        assertThat(errors).isNotEmpty().allSatisfy(line -> {
            assertThat(line.path("response").isNull()).isTrue();
            assertThat(line.at("/error/code").asText()).isEqualTo("batch_expired");
            assertThat(line.at("/error/message").asText()).isEqualTo(BatchJob.EXPIRED_MESSAGE);
        });
        assertThat(errors.size() + outputs.size()).isEqualTo(n);
        assertThat(expired.at("/request_counts/completed").asInt()).isEqualTo(outputs.size());
    }

    @Test
    void invalid_input_fails_with_line_errors() throws Exception {
        String input = batchInput(1) + "not json\n" + batchInput(1);
        String fileId = http.uploadFile("bad.jsonl", "batch", input).path("id").asText();
        JsonNode failed = awaitStatus(http, createBatch(http, fileId, "{}").path("id").asText(), "failed");

        JsonNode errors = failed.path("errors").path("data");
        assertThat(failed.path("failed_at").isNumber()).isTrue();
        assertThat(errors).extracting(e -> e.path("code").asText()).containsExactly("invalid_json_line", "duplicate_custom_id");
        assertThat(errors).extracting(e -> e.path("line").asInt()).containsExactly(2, 3);
    }

    @Test
    void unknown_input_file_is_rejected() throws Exception {
        HttpResponse<String> response = http.postJson("/batches",
                "{\"input_file_id\":\"file-nope\",\"endpoint\":\"/v1/chat/completions\",\"completion_window\":\"24h\"}");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(http.get("/batches/batch_nope").statusCode()).isEqualTo(404);
    }

    @Test
    void cancel_goes_through_cancelling_to_cancelled() throws Exception {
        try (OpenAiSimulator slow = new OpenAiSimulator(SimulatorConfig.defaults().withBatchStepMs(300))) {
            slow.start();
            SimHttp client = new SimHttp(slow.baseUrl());
            String fileId = client.uploadFile("c.jsonl", "batch", batchInput(2)).path("id").asText();
            String batchId = createBatch(client, fileId, "{}").path("id").asText();

            HttpResponse<String> cancel = client.postJson("/batches/" + batchId + "/cancel", "");
            assertThat(SimHttp.json(cancel).path("status").asText()).isEqualTo("cancelling");
            JsonNode cancelled = awaitStatus(client, batchId, "cancelled");
            assertThat(cancelled.path("cancelled_at").isNumber()).isTrue();
        }
    }

    @Test
    void list_is_newest_first_with_paging() throws Exception {
        try (OpenAiSimulator own = new OpenAiSimulator(SimulatorConfig.defaults().withBatchStepMs(50))) {
            own.start();
            SimHttp client = new SimHttp(own.baseUrl());
            String fileId = client.uploadFile("l.jsonl", "batch", batchInput(1)).path("id").asText();
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ids.add(createBatch(client, fileId, "{}").path("id").asText());
            }

            JsonNode page1 = SimHttp.json(client.get("/batches?limit=2"));
            JsonNode page2 = SimHttp.json(client.get("/batches?limit=2&after=" + page1.path("last_id").asText()));

            assertThat(page1.path("object").asText()).isEqualTo("list");
            assertThat(page1.path("data")).extracting(b -> b.path("id").asText()).containsExactly(ids.get(2), ids.get(1));
            assertThat(page1.path("first_id").asText()).isEqualTo(ids.get(2));
            assertThat(page1.path("has_more").asBoolean()).isTrue();
            assertThat(page2.path("data")).extracting(b -> b.path("id").asText()).containsExactly(ids.get(0));
            assertThat(page2.path("has_more").asBoolean()).isFalse();
        }
    }
}
