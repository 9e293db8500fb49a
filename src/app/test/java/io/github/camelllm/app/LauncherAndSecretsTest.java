package io.github.camelllm.app;

import io.github.camelllm.PipelineFixture;
import io.github.camelllm.OpenAiStubs;

import io.github.camelllm.app.Launcher;

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
import java.util.HashMap;
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

/** The one-shot command's exit codes, and the API key never showing up in any output. */
class LauncherAndSecretsTest {

    static final String KEY = "sk-test-DO-NOT-LEAK-4f9a2c7e1b";

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
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        System.setOut(new PrintStream(console, true));
        System.setErr(new PrintStream(console, true));
        try {
            Path file = Files.writeString(tmp.resolve("secret.jsonl"),
                    PipelineFixture.prompts(3) + "{\"custom_id\":\"x\",\"prompt\":\"reject-me\"}\n");
            int code = Launcher.oneShot(file, settings());
            assertThat(code).isEqualTo(Launcher.SOME_FAILED);
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
            root.detachAppender(logs);
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
        assertThat(everything.toString()).doesNotContain(KEY).doesNotContain(KEY.substring(8));
        String results = Files.readString(tmp.resolve("outbox/secret.results.jsonl"));
        assertThat(results).contains("\"authentication_error\"").contains("check llm.api-key / OPENAI_API_KEY");
        assertThat(results).contains("\"content\":\"fine\"");
    }
}
