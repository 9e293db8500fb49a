package io.github.camelllm.app;

import io.github.camelllm.PipelineFixture;
import io.github.camelllm.OpenAiStubs;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import java.util.stream.Stream;

import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static io.github.camelllm.OpenAiStubs.CHAT;
import static io.github.camelllm.OpenAiStubs.invalidApiKey;
import static io.github.camelllm.OpenAiStubs.ok;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The one-shot command's exit codes, and the API key never showing up in any output: not at INFO, and not with
 * Camel and the pipeline logging at DEBUG (Camel's properties component logs every value it reads there, its error
 * handler every exception message, and the server below echoes the key in its error body, as OpenAI does).
 */
class LauncherAndSecretsTest {

    static final String KEY = "sk-test-DO-NOT-LEAK-4f9a2c7e1b";
    static final String BROKER_PASSWORD = "broker-DO-NOT-LEAK-77b1";

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs(options().dynamicPort());
    @TempDir
    Path tmp;

    @BeforeEach
    void setUp() {
        // only requests carrying the key get answers; the line with "reject-me" is refused as if the key were bad
        api.server().stubFor(post(urlEqualTo(CHAT)).withHeader("Authorization", equalTo("Bearer " + KEY))
                .willReturn(ok("fine")));
        api.answerChatsContaining("reject-me", invalidApiKey(KEY));
    }

    /** The settings of a run FILE in this JVM, on the stubbed API with the key. */
    Map<String, String> settings() {
        Map<String, String> s = new HashMap<>(new PipelineFixture(tmp, api.baseUrl()).overrides());
        s.put("llm.api-key", KEY);
        s.put("llm.broker.password", BROKER_PASSWORD);
        s.put("llm.retry.initial-delay-ms", "10");
        return s;
    }

    @Test
    void run_exits_0_when_every_prompt_succeeds() throws IOException {
        Path file = Files.writeString(tmp.resolve("good.jsonl"), PipelineFixture.prompts(5));
        assertThat(Launcher.oneShot(file, settings())).isEqualTo(Launcher.OK);
        assertThat(tmp.resolve("outbox/good.results.jsonl")).exists();
        assertThat(file).exists(); // run FILE leaves the file where it is
        // answers from a configured API are not marked as simulated
        assertThat(Files.readString(tmp.resolve("outbox/good.results.jsonl"))).doesNotContain("simulated");
        assertThat(Files.readString(tmp.resolve("outbox/good.summary.json"))).contains("\"simulated\" : false");
    }

    @Test
    void run_exits_1_when_a_prompt_failed_or_was_invalid() throws IOException {
        Path file = Files.writeString(tmp.resolve("mixed.jsonl"), PipelineFixture.prompts(2) + "not json\n");
        assertThat(Launcher.oneShot(file, settings())).isEqualTo(Launcher.SOME_FAILED);
    }

    @Test
    void run_exits_2_on_usage_and_configuration_errors() throws IOException {
        Path file = Files.writeString(tmp.resolve("ok.jsonl"), PipelineFixture.prompts(1));
        assertThat(Launcher.run(new String[]{"run"})).isEqualTo(Launcher.USAGE);
        assertThat(Launcher.run(new String[]{"frobnicate"})).isEqualTo(Launcher.USAGE);
        assertThat(Launcher.oneShot(tmp.resolve("missing.jsonl"), settings())).isEqualTo(Launcher.USAGE);
        Map<String, String> bad = settings();
        bad.put("llm.concurrency", "lots");
        assertThat(Launcher.oneShot(file, bad)).isEqualTo(Launcher.USAGE);
        Map<String, String> badUrl = settings();
        badUrl.put("llm.base-url", "ftp://example");
        assertThat(Launcher.oneShot(file, badUrl)).isEqualTo(Launcher.USAGE);
    }

    @Test
    void the_api_key_never_appears_in_logs_results_or_files() throws IOException {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        root.addAppender(logs);
        // Camel and the pipeline at DEBUG, as a user chasing a problem turns them up: the properties component's
        // "Found property ... with value", the error handler's exception messages, Camel Main's summaries
        Logger camel = (Logger) LoggerFactory.getLogger("org.apache.camel");
        Logger pipeline = (Logger) LoggerFactory.getLogger("io.github.camelllm");
        Level camelLevel = camel.getLevel();
        Level pipelineLevel = pipeline.getLevel();
        camel.setLevel(Level.DEBUG);
        pipeline.setLevel(Level.DEBUG);
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        System.setOut(new PrintStream(console, true));
        System.setErr(new PrintStream(console, true));
        try {
            Path file = Files.writeString(tmp.resolve("secret.jsonl"),
                    PipelineFixture.prompts(3) + "{\"custom_id\":\"x\",\"prompt\":\"reject-me\"}\n");
            int code = Launcher.oneShot(file, settings());
            assertThat(code).as("the API refused the key").isEqualTo(Launcher.API_REFUSED);
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
            root.detachAppender(logs);
            camel.setLevel(camelLevel);
            pipeline.setLevel(pipelineLevel);
        }
        StringBuilder everything = new StringBuilder(console.toString());
        for (ILoggingEvent e : logs.list) {
            everything.append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) {
                everything.append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
            }
        }
        try (Stream<Path> files = Files.walk(tmp)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                everything.append(Files.readString(p));
            }
        }
        assertThat(everything.toString()).doesNotContain(KEY).doesNotContain(KEY.substring(8))
                .doesNotContain(BROKER_PASSWORD);
        assertThat(everything.toString()).as("Camel logged at DEBUG, masked where a secret was")
                .contains("DEBUG").contains(SecretsLogFilter.MASK);
        String results = Files.readString(tmp.resolve("outbox/secret.results.jsonl"));
        assertThat(results).contains("\"authentication_error\"").contains("check llm.api-key / OPENAI_API_KEY");
        assertThat(results).contains("\"content\":\"fine\"");
    }

    /** The application reads its own application.properties: a key there reaches no output either. */
    @Test
    void a_key_in_application_properties_appears_in_no_output_of_run_file() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("cwd"));
        Files.writeString(dir.resolve("application.properties"), "llm.api-key=" + KEY + "\n"
                + "llm.broker.password=" + BROKER_PASSWORD + "\n"
                + "llm.base-url=" + api.baseUrl() + "\n"
                + "llm.outbox=" + tmp.resolve("outbox") + "\n"
                + "llm.retry.initial-delay-ms=10\n");
        Files.writeString(dir.resolve("logback.xml"), """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%level %logger - %msg%n</pattern></encoder>
                  </appender>
                  <logger name="org.apache.camel" level="DEBUG"/>
                  <logger name="io.github.camelllm" level="DEBUG"/>
                  <root level="INFO"><appender-ref ref="OUT"/></root>
                </configuration>
                """);
        Path file = Files.writeString(tmp.resolve("child.jsonl"),
                PipelineFixture.prompts(2) + "{\"custom_id\":\"x\",\"prompt\":\"reject-me\"}\n");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dlogback.configurationFile=" + dir.resolve("logback.xml"),
                PipelineFixture.APP_MAIN, "run", file.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("LLM_") || k.startsWith("OPENAI_"));
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(output).isEqualTo(Launcher.API_REFUSED);
        assertThat(output).contains("Pipeline llm added");
        StringBuilder everything = new StringBuilder(output);
        try (Stream<Path> files = Files.walk(tmp.resolve("outbox").getParent())) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.startsWith(dir)).toList()) {
                everything.append(Files.readString(f));
            }
        }
        assertThat(everything.toString()).doesNotContain(KEY).doesNotContain(KEY.substring(8))
                .doesNotContain(BROKER_PASSWORD);
        assertThat(output).as("the properties component logged the key's property, masked")
                .contains("llm.api-key with value: " + SecretsLogFilter.MASK);
        assertThat(Files.readString(tmp.resolve("outbox/child.results.jsonl"))).contains("check llm.api-key");
    }
}
