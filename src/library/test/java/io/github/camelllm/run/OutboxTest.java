package io.github.camelllm.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Outbox names: no run's outputs overwrite another run's. */
class OutboxTest {

    @TempDir
    Path outbox;

    Path write(String name, String content) throws IOException {
        return Files.writeString(outbox.resolve(name), content);
    }

    String[] names() throws IOException {
        try (Stream<Path> files = Files.list(outbox)) {
            return files.map(p -> p.getFileName().toString()).sorted().toArray(String[]::new);
        }
    }

    @Test
    void a_jsonl_input_loses_its_extension_any_other_keeps_it() {
        assertThat(Outbox.baseName("prompts.jsonl")).isEqualTo("prompts");
        assertThat(Outbox.baseName("prompts.JSONL")).isEqualTo("prompts");
        assertThat(Outbox.baseName("prompts.txt")).isEqualTo("prompts.txt");
        assertThat(Outbox.baseName("prompts.json")).isEqualTo("prompts.json");
        assertThat(Outbox.baseName("prompts")).isEqualTo("prompts");
    }

    @Test
    void outputs_are_never_hidden_or_nameless() {
        assertThat(Outbox.baseName(".hidden.jsonl")).isEqualTo("hidden");
        assertThat(Outbox.baseName("..jsonl")).isEqualTo("input");
        assertThat(Outbox.baseName(".jsonl")).isEqualTo("input");
    }

    @Test
    void a_long_name_is_cut_within_file_name_limits_and_never_inside_a_character() {
        String name = "a" + "é".repeat(150) + ".jsonl"; // 301 bytes of UTF-8; byte 190 is inside an "é"
        String base = Outbox.baseName(name);

        assertThat((base + ".results.jsonl").getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(255);
        assertThat(base).startsWith("a" + "é".repeat(94) + "-").doesNotContain("\uFFFD");
        assertThat(Outbox.baseName("a" + "é".repeat(150) + "x.jsonl")).as("names that differ keep their own outputs")
                .isNotEqualTo(base);
    }

    @Test
    void a_scheduled_firing_writes_one_dated_set() {
        assertThat(Outbox.dated("nightly", Instant.parse("2024-03-05T01:02:03Z").toEpochMilli()))
                .isEqualTo("nightly.20240305-010203");
    }

    @Test
    void the_outputs_of_another_run_under_the_same_name_move_aside_with_their_date_and_run_id()
            throws IOException {
        write("a.results.jsonl", "old results");
        write("a.summary.json", "{\"run_id\":\"oldrun\"}");
        write("a.failed.jsonl", "old failures");
        Files.setLastModifiedTime(outbox.resolve("a.summary.json"),
                FileTime.from(Instant.parse("2024-01-02T03:04:05Z")));

        Outbox.claim(outbox, "a", "newrun");

        assertThat(names()).containsExactly(".a.run", "a.20240102-030405-oldrun.failed.jsonl",
                "a.20240102-030405-oldrun.results.jsonl", "a.20240102-030405-oldrun.summary.json");
        assertThat(outbox.resolve("a.20240102-030405-oldrun.results.jsonl")).hasContent("old results");
        assertThat(outbox.resolve(".a.run")).hasContent("newrun\n");
    }

    @Test
    void the_same_run_claiming_its_name_again_keeps_its_outputs() throws IOException {
        Outbox.claim(outbox, "a", "run1");
        write("a.results.jsonl", "partial, streamed");

        Outbox.claim(outbox, "a", "run1");

        assertThat(outbox.resolve("a.results.jsonl")).hasContent("partial, streamed");
    }

    @Test
    void outputs_of_an_unknown_run_move_aside_too() throws IOException {
        write("a.results.jsonl", "written by hand");
        Files.setLastModifiedTime(outbox.resolve("a.results.jsonl"),
                FileTime.from(Instant.parse("2024-01-02T03:04:05Z")));

        Outbox.claim(outbox, "a", "run1");

        assertThat(outbox.resolve("a.20240102-030405-earlier.results.jsonl")).hasContent("written by hand");
        assertThat(outbox.resolve("a.results.jsonl")).doesNotExist();
    }

    @Test
    void scheduled_outputs_keep_the_newest_sets_and_nothing_else_of_the_name() throws IOException {
        for (String stamp : new String[]{"20240101-000000", "20240102-000000", "20240103-000000"}) {
            write("nightly." + stamp + ".results.jsonl", stamp);
            write("nightly." + stamp + ".summary.json", stamp);
            write(".nightly." + stamp + ".run", stamp);
        }
        write("nightly.results.jsonl", "an unscheduled run of the same input");
        write("nightlyish.20240101-000000.results.jsonl", "another input");

        Outbox.prune(outbox, "nightly", 2);

        assertThat(names()).containsExactly(".nightly.20240102-000000.run", ".nightly.20240103-000000.run",
                "nightly.20240102-000000.results.jsonl", "nightly.20240102-000000.summary.json",
                "nightly.20240103-000000.results.jsonl", "nightly.20240103-000000.summary.json",
                "nightly.results.jsonl", "nightlyish.20240101-000000.results.jsonl");
    }
}
