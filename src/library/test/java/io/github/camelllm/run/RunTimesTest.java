package io.github.camelllm.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.camelllm.config.OnDuplicate;
import io.github.camelllm.config.OutputOrder;
import io.github.camelllm.json.Jackson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** A resumed run's summary counts its own time, says when the run first started, and rates only its answers. */
class RunTimesTest {

    @TempDir
    Path tmp;

    RunRegistry registry() {
        return new RunRegistry(tmp.resolve("work"), tmp.resolve("outbox"), OutputOrder.ORDERED, OnDuplicate.SKIP);
    }

    @Test
    void a_resumed_run_reports_its_own_wall_time_and_its_first_start_apart() throws Exception {
        Path input = Files.writeString(tmp.resolve("two.jsonl"), "{\"prompt\":\"one\"}\n{\"prompt\":\"two\"}\n");
        RunRegistry first = registry();
        Run run = first.openFile(input, false);
        first.record(RunOpenerTest.result(run, 1));
        first.close(); // the process ends before line 2 has its result

        // the run first started an hour ago
        Path manifest = tmp.resolve("work").resolve(run.id()).resolve("manifest.json");
        ObjectNode m = (ObjectNode) Jackson.MAPPER.readTree(manifest.toFile());
        long anHourAgo = System.currentTimeMillis() - 3_600_000;
        m.put("started_at_ms", anHourAgo);
        Files.writeString(manifest, m.toString());

        RunRegistry second = registry();
        Run resumed = second.openFile(input, false);
        resumed.lineSeen();
        resumed.lineSeen();
        assertThat(resumed.answered(1, "id-1")).isTrue();
        assertThat(resumed.answered(2, "id-2")).isFalse();
        second.intakeDone(resumed.id());
        second.record(RunOpenerTest.result(resumed, 2));
        RunSummary summary = second.finish(resumed.id());

        assertThat(summary.resumed()).isTrue();
        assertThat(summary.wallMs()).as("this part only, not the hour before").isLessThan(60_000);
        assertThat(summary.firstStartedAtMs()).isEqualTo(anHourAgo);
        assertThat(summary.throughputRps()).as("no ok answer came in: invalid results are no answers").isZero();
        JsonNode json = Jackson.MAPPER.readTree(summary.toJson());
        assertThat(Instant.parse(json.path("first_started_at").asText()).toEpochMilli()).isEqualTo(anHourAgo);
        assertThat(Instant.parse(json.path("started_at").asText()).toEpochMilli()).isGreaterThan(anHourAgo);
        assertThat(summary.oneLine()).contains("(resumed; first started ");
    }
}
