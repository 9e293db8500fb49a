package io.github.camelllm.flow;

import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pacing against a server that enforces OpenAI-style per-minute buckets: every prompt is answered and few
 * requests are refused, whether the limits are learned from the headers or configured. Speeds are measured by
 * the benchmark; here only outcomes and the share of 429s are checked.
 */
class RateLimitPacingTest {

    @TempDir
    Path tmp;
    TokenBucketServer server;
    PipelineFixture pipeline;

    @AfterEach
    void tearDown() {
        if (pipeline != null) {
            pipeline.close();
        }
        if (server != null) {
            server.close();
        }
    }

    RunSummary run(String name, String lines) throws Exception {
        pipeline.start();
        return pipeline.app().submitFile(pipeline.write(name, lines)).get(120, TimeUnit.SECONDS);
    }

    static String prompts(int n, int chars) {
        StringBuilder sb = new StringBuilder();
        String filler = "x".repeat(chars);
        for (int i = 1; i <= n; i++) {
            sb.append("{\"custom_id\":\"p").append(i).append("\",\"prompt\":\"").append(filler).append("\"}\n");
        }
        return sb.toString();
    }

    void report(String what, RunSummary summary) {
        double share = server.limited.get() * 100.0 / server.requestCount();
        System.out.printf("%s: %d ok of %d, %d requests, %d answered 429 (%.1f %%), %.1f s%n", what,
                summary.succeeded(), summary.total(), server.requestCount(), server.limited.get(), share,
                summary.wallMs() / 1000.0);
    }

    @Test
    void a_request_limit_learned_from_the_headers() throws Exception {
        server = new TokenBucketServer(1200, 0, 5, true, true, 50);
        pipeline = new PipelineFixture(tmp, server.baseUrl()).with("llm.concurrency", "50");
        RunSummary summary = run("rpm.jsonl", PipelineFixture.prompts(400));
        report("1,200 RPM learned", summary);

        assertThat(summary.succeeded()).isEqualTo(400);
        assertThat(server.limited.get()).as("429s").isLessThan(server.requestCount() / 20);
    }

    @Test
    void a_token_limit_learned_from_the_headers_without_retry_after() throws Exception {
        server = new TokenBucketServer(0, 30_000, 5, true, false, 20);
        pipeline = new PipelineFixture(tmp, server.baseUrl()).with("llm.concurrency", "20");
        RunSummary summary = run("tpm.jsonl", prompts(50, 400));
        report("30,000 TPM learned, no retry-after", summary);

        assertThat(summary.succeeded()).isEqualTo(50);
        assertThat(server.limited.get()).as("429s").isLessThan(Math.max(3, server.requestCount() / 10));
    }

    @Test
    void configured_limits_for_a_server_that_sends_no_headers() throws Exception {
        server = new TokenBucketServer(600, 0, 1, false, true, 20);
        pipeline = new PipelineFixture(tmp, server.baseUrl()).with("llm.concurrency", "20")
                .with("llm.rate-limit.requests-per-minute", "600");
        RunSummary summary = run("configured.jsonl", PipelineFixture.prompts(60));
        report("600 RPM configured, no headers", summary);

        assertThat(summary.succeeded()).isEqualTo(60);
        assertThat(server.limited.get()).as("429s").isLessThan(Math.max(3, server.requestCount() / 10));
    }
}
