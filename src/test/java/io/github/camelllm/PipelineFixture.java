package io.github.camelllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.camelllm.run.RunSummary;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Starts the real pipeline (routes, beans, Camel Main) on temporary folders for a test. */
public final class PipelineFixture implements AutoCloseable {

    public static final ObjectMapper JSON = new ObjectMapper();

    public final Path root;
    public final Path inbox;
    public final Path outbox;
    public final Path work;
    private final Map<String, String> overrides = new HashMap<>();
    private PipelineApp app;

    public PipelineFixture(Path root, String baseUrl) {
        this.root = root;
        this.inbox = root.resolve("inbox");
        this.outbox = root.resolve("outbox");
        this.work = root.resolve("work");
        overrides.put("llm.base-url", baseUrl);
        overrides.put("llm.inbox", inbox.toString());
        overrides.put("llm.outbox", outbox.toString());
        overrides.put("llm.work-dir", work.toString());
        overrides.put("llm.inbox.enabled", "false");
        overrides.put("llm.inbox.poll-ms", "100");
        overrides.put("llm.inbox.read-lock-ms", "200");
        overrides.put("llm.retry.initial-delay-ms", "20");
        overrides.put("llm.retry.max-delay-ms", "100");
        overrides.put("llm.timeout.response-ms", "5000");
        overrides.put("llm.concurrency", "10");
        overrides.put("llm.schedule.cron", "");
    }

    public PipelineFixture with(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    public PipelineApp start() throws Exception {
        app = PipelineApp.start(PipelineApp.settings(overrides));
        return app;
    }

    public PipelineApp app() {
        return app;
    }

    public Map<String, String> overrides() {
        return Map.copyOf(overrides);
    }

    public RunSummary run(Path file) throws Exception {
        return app.submitFile(file).get(60, TimeUnit.SECONDS);
    }

    public Path write(String name, String content) throws IOException {
        Path file = root.resolve("in").resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    public List<JsonNode> results(String name) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(outbox.resolve(name + ".results.jsonl"))) {
            out.add(JSON.readTree(line));
        }
        return out;
    }

    public JsonNode summary(String name) throws IOException {
        return JSON.readTree(outbox.resolve(name + ".summary.json").toFile());
    }

    public static String prompts(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("{\"custom_id\":\"p").append(i).append("\",\"prompt\":\"prompt number ").append(i)
                    .append("\"}\n");
        }
        return sb.toString();
    }

    @Override
    public void close() {
        if (app != null) {
            app.close();
        }
    }
}
