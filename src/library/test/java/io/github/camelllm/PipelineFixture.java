package io.github.camelllm;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.NoSuchFileException;
import java.nio.file.FileVisitResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Starts the real pipeline (routes, beans, Camel Main) on temporary folders for a test: in this JVM
 * ({@link #start()}, again after {@link #stop()} for a restart), or as {@code run FILE} in a child JVM
 * ({@link #runFileProcess}). Every test that runs the pipeline goes through here.
 */
public final class PipelineFixture implements AutoCloseable, BeforeEachCallback, AfterEachCallback {

    public static final ObjectMapper JSON = new ObjectMapper();
    /** The command line's main class (on the class path of the application's tests). */
    public static final String APP_MAIN = "io.github.camelllm.app.Launcher";

    public Path root;
    public Path inbox;
    public Path outbox;
    public Path work;
    private final Map<String, String> overrides = new HashMap<>();
    private final OpenAiStubs api;
    private Map<String, String> environment;
    private OpenAiSimulator simulator;
    private RunningPipeline.Starter starter = HostPipeline::start;
    private RunningPipeline app;

    /**
     * A fixture for each test, on the stubbed API, in a temporary folder of its own: register it as a field
     * after the stubs, {@code @RegisterExtension final PipelineFixture pipeline = new PipelineFixture(api);}.
     * It is ready in the test class's {@code @BeforeEach} methods and stopped after its {@code @AfterEach} methods.
     */
    public PipelineFixture(OpenAiStubs api) {
        this.api = api;
        api.calledBy(this);
    }

    /** @param baseUrl the API to call; null for none at all (the choice of API is what the test is about) */
    public PipelineFixture(Path root, String baseUrl) {
        this.api = null;
        at(root, baseUrl);
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        api.start();
        at(Files.createTempDirectory("pipeline-"), api.baseUrl());
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        close();
        if (root == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private void at(Path root, String baseUrl) {
        this.root = root;
        this.inbox = root.resolve("inbox");
        this.outbox = root.resolve("outbox");
        this.work = root.resolve("work");
        if (baseUrl != null) {
            overrides.put("llm.base-url", baseUrl);
        }
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

    /** A pipeline on a simulator of its own, started now with this configuration and stopped with the pipeline. */
    public static PipelineFixture onSimulator(Path root, SimulatorConfig config) {
        OpenAiSimulator sim = new OpenAiSimulator(config.withPort(0));
        sim.start();
        PipelineFixture fixture = new PipelineFixture(root, sim.baseUrl());
        fixture.simulator = sim;
        return fixture;
    }

    /** Longer than 50 estimated tokens (chars / 4): a prompt that {@link #onBatchSimulator} sends to the Batch API. */
    public static final String LONG_PROMPT = "Summarise this: " + "lorem ipsum dolor sit amet ".repeat(12);

    /**
     * A pipeline on a simulator of its own that answers at once (5 ms, no jitter), sending prompts longer than 50
     * estimated tokens ({@link #LONG_PROMPT}) to the Batch API in shards flushed after 300 ms.
     */
    public static PipelineFixture onBatchSimulator(Path root, SimulatorConfig config) {
        return onSimulator(root, config.withLatencyMs(5).withJitterMs(0))
                .with("llm.route.long-prompt-tokens", "50")
                .with("llm.batch.flush-ms", "300");
    }

    public PipelineFixture with(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    /** Starts the pipeline this way instead of in a host context (the application's tests start the application). */
    public PipelineFixture startedBy(RunningPipeline.Starter how) {
        this.starter = how;
        return this;
    }

    /** Starts with this environment instead of the process's (OPENAI_API_KEY and LLM_* variables). */
    public PipelineFixture withEnvironment(Map<String, String> env) {
        this.environment = Map.copyOf(env);
        return this;
    }

    /** Starts the pipeline; after {@link #stop()} this starts a new one on the same folders (a restart). */
    public RunningPipeline start() throws Exception {
        app = starter.start(Map.copyOf(overrides), environment == null ? System.getenv() : environment);
        return app;
    }

    /** The simulator of {@link #onSimulator}, or null. */
    public OpenAiSimulator simulator() {
        return simulator;
    }

    public RunningPipeline app() {
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

    /** Writes these lines, each ending with a line break. */
    public Path write(String name, List<String> lines) throws IOException {
        return write(name, String.join("\n", lines) + "\n");
    }

    /** The persisted Batch API jobs of every run ({@code <work>/<run>/batches/shard-*.json}). */
    public List<JsonNode> batchJobs() throws IOException {
        List<JsonNode> jobs = new ArrayList<>();
        for (Path p : filesUnder(work, "shard-[0-9-]+\\.json")) {
            jobs.add(JSON.readTree(p.toFile()));
        }
        return jobs;
    }

    /** The journals of every run in the work folder. */
    public List<Path> journals() throws IOException {
        return filesUnder(work, "journal\\.jsonl");
    }

    /** Results journaled so far, over every run in the work folder. */
    public long journalLines() throws IOException {
        return journalLines(work);
    }

    /** Results journaled so far, over every run in this work folder. */
    public static long journalLines(Path work) throws IOException {
        long n = 0;
        for (Path p : filesUnder(work, "journal\\.jsonl")) {
            n += Files.readAllLines(p).size();
        }
        return n;
    }

    private static List<Path> filesUnder(Path dir, String nameRegex) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        // the pipeline keeps writing while a test looks (a temporary file renamed into place vanishes mid-walk)
        List<Path> found = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (file.getFileName().toString().matches(nameRegex)) {
                    found.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return found.stream().sorted().toList();
    }

    /**
     * Starts {@code run FILE} in a child JVM in {@code directory}, on this fixture's API and outbox, with these
     * further settings ({@code key=value}); its output goes to {@code child-<nanos>.log} in the root folder.
     */
    public Process runFileProcess(Path directory, Path file, String... settings) throws IOException {
        return childProcess(directory, List.of("run", file.toString()), settings);
    }

    /**
     * Starts the application in service mode (no arguments) in a child JVM in {@code directory}, on this fixture's
     * API and outbox, with these further settings ({@code key=value}); it runs until it is stopped (SIGTERM) or
     * killed. Its output goes to {@code child-<nanos>.log} in the root folder.
     */
    public Process serviceProcess(Path directory, String... settings) throws IOException {
        return childProcess(directory, List.of(), settings);
    }

    private Process childProcess(Path directory, List<String> arguments, String... settings) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Dllm.base-url=" + overrides.get("llm.base-url"));
        cmd.add("-Dllm.outbox=" + outbox);
        cmd.add("-Dllm.management.port=0"); // tests run several services at once: each on a free port of its own
        for (String s : settings) {
            cmd.add("-D" + s);
        }
        cmd.add(APP_MAIN);
        cmd.addAll(arguments);
        return new ProcessBuilder(cmd).directory(directory.toFile()).redirectErrorStream(true)
                .redirectOutput(root.resolve("child-" + System.nanoTime() + ".log").toFile()).start();
    }

    /** One simple input line; {@code extraFields} (JSON members, without braces) may be null. */
    public static String line(String customId, String prompt, String extraFields) {
        return "{\"custom_id\":\"" + customId + "\",\"prompt\":\"" + prompt + "\""
                + (extraFields == null ? "" : "," + extraFields) + "}";
    }

    public static String prompts(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
            sb.append("{\"custom_id\":\"p").append(i).append("\",\"prompt\":\"prompt number ").append(i)
                    .append("\"}\n");
        }
        return sb.toString();
    }

    /** Stops the pipeline, as a shutdown does; {@link #start()} may start it again on the same folders. */
    public void stop() {
        if (app != null) {
            app.close();
            app = null;
        }
    }

    /** Stops the pipeline and the simulator of {@link #onSimulator}. */
    @Override
    public void close() {
        stop();
        if (simulator != null) {
            simulator.close();
            simulator = null;
        }
    }
}
