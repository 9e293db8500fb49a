package io.github.camelllm.observe;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.cost.RunCost;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.SimulatorConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.github.camelllm.PipelineFixture.line;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The cost meter and the Batch API meters, scraped from the management port of a pipeline on the built-in
 * simulator (its Batch API included).
 */
class CostAndBatchMetersTest {

    private static final String LONG = PipelineFixture.LONG_PROMPT;
    private static final String[] OPEN = {"waiting", "submitted", "in_progress", "finalizing", "cancelling"};

    @TempDir
    Path dir;

    private PipelineFixture pipeline;

    @AfterEach
    void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private PipelineFixture pipeline(SimulatorConfig config) {
        pipeline = PipelineFixture.onBatchSimulator(dir, config)
                .with("llm.management.port", "0").with("llm.management.host", "127.0.0.1")
                .with("llm.model", "gpt-test").with("llm.prices", "gpt-test=1000/2000")
                .with("llm.concurrency", "8");
        return pipeline;
    }

    private int port() {
        return pipeline.app().pipeline().observer().managementPort();
    }

    private static List<String> longPrompts(int n) {
        List<String> lines = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            lines.add(line("b" + i, LONG + i, null));
        }
        return lines;
    }

    @Test
    void the_cost_meter_is_what_the_ledger_counted_by_model_and_route() throws Exception {
        // an expiring batch answers half its lines; the other half is asked in real time: both routes cost
        pipeline(SimulatorConfig.defaults().withBatchStepMs(100).withBatchOutcome("expired"))
                .with("llm.batch.poll-interval-ms", "100").start();
        List<String> lines = new ArrayList<>(longPrompts(6));
        lines.add(line("s1", "hello", null));
        lines.add(line("other", "hello", "\"model\":\"gpt-4o-mini\""));
        Path file = pipeline.write("mixed.jsonl", lines);

        RunSummary summary = pipeline.run(file);
        assertThat(summary.succeeded()).isEqualTo(8);
        RunCost cost = summary.cost();
        assertThat(cost.batch().costUsd()).isPositive();
        assertThat(cost.realtime().costUsd()).isPositive();

        List<Scrape.Sample> metrics = Scrape.metrics(port());
        BigDecimal miniUsd = BigDecimal.valueOf(Scrape.value(metrics, "llm_cost_usd_total", "model", "gpt-4o-mini",
                "route", "realtime"));
        assertThat(miniUsd).isPositive();
        // the same amounts the ledger added up, nothing worked out again: equal to the last digit
        assertThat(Scrape.value(metrics, "llm_cost_usd_total", "route", "batch"))
                .isEqualTo(cost.batch().costUsd().doubleValue());
        assertThat(Scrape.value(metrics, "llm_cost_usd_total", "model", "gpt-test", "route", "batch"))
                .isEqualTo(cost.batch().costUsd().doubleValue());
        assertThat(Scrape.value(metrics, "llm_cost_usd_total", "route", "realtime"))
                .isEqualTo(cost.realtime().costUsd().doubleValue());
        assertThat(BigDecimal.valueOf(Scrape.value(metrics, "llm_cost_usd_total", "model", "gpt-test", "route",
                "realtime")).add(miniUsd)).isEqualByComparingTo(cost.realtime().costUsd());
        JsonNode written = pipeline.summary("mixed").get("cost");
        assertThat(Scrape.value(metrics, "llm_cost_usd_total", "pipeline", "llm"))
                .isEqualTo(written.get("total_usd").decimalValue().doubleValue());

        assertThat(Scrape.value(metrics, "llm_batch_jobs_ended_total", "status", "expired")).isEqualTo(1);
        assertThat(Scrape.value(metrics, "llm_batch_jobs_ended_total", "status", "completed")).isZero();
        for (String status : OPEN) {
            assertThat(Scrape.value(metrics, "llm_batch_jobs", "status", status)).as(status).isZero();
        }
    }

    @Test
    void the_batch_jobs_show_by_status_while_they_go_and_by_how_they_ended() throws Exception {
        // each step of the simulator's batch (validating, in_progress, finalizing) lasts 1.5 s, polled every 0.2 s
        pipeline(SimulatorConfig.defaults().withBatchStepMs(1500)).with("llm.batch.poll-interval-ms", "200").start();
        Path file = pipeline.write("slow.jsonl", longPrompts(4));
        CompletableFuture<RunSummary> run = pipeline.app().submitFile(file);

        Set<String> seen = new TreeSet<>();
        await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(50)).until(() -> {
            List<Scrape.Sample> metrics = Scrape.metrics(port());
            long jobs = 0;
            for (String status : OPEN) {
                double n = Scrape.value(metrics, "llm_batch_jobs", "status", status);
                if (n > 0) {
                    seen.add(status);
                }
                jobs += (long) n;
            }
            assertThat(jobs).as("one shard, one job at a time").isLessThanOrEqualTo(1);
            return seen.contains("finalizing") || run.isDone();
        });
        assertThat(seen).contains("submitted", "in_progress", "finalizing");

        RunSummary summary = run.get(30, TimeUnit.SECONDS);
        assertThat(summary.batch()).isEqualTo(4);
        List<Scrape.Sample> metrics = Scrape.metrics(port());
        assertThat(Scrape.value(metrics, "llm_batch_jobs_ended_total", "status", "completed")).isEqualTo(1);
        assertThat(Scrape.value(metrics, "llm_batch_jobs_ended_total", "status", "failed")).isZero();
        for (String status : OPEN) {
            assertThat(Scrape.value(metrics, "llm_batch_jobs", "status", status)).as(status).isZero();
        }
    }
}
