package io.github.camelllm.run;

import io.github.camelllm.json.ResultJson;
import io.github.camelllm.model.PromptResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The append-only journal and what is read back from it: a crash's torn last record, records split across
 * writes and read buffers, and garbage or foreign lines in the middle, none of which may make a run unfinishable.
 */
class JournalTest {

    @TempDir
    Path dir;

    Path file() {
        return dir.resolve("journal.jsonl");
    }

    static String result(long line) {
        return ResultJson.write(PromptResult.invalid("run", "id-" + line, line, "test", "line " + line));
    }

    /** Every complete line of the journal file, as {@link Journal#scan} sees it. */
    List<String> scanned() throws IOException {
        List<String> lines = new ArrayList<>();
        Journal.scan(file(), (offset, length, line) -> lines.add(line));
        return lines;
    }

    /** The input line numbers of the usable records, as a run replays them. */
    List<Long> replayed() throws IOException {
        List<Long> lines = new ArrayList<>();
        JournalRecords.read("run", file(), (result, offset, length, line) -> lines.add(result.line()));
        return lines;
    }

    void appendRaw(String text) throws IOException {
        Files.writeString(file(), text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Test
    void appended_records_are_on_disk_one_per_line_with_their_byte_positions() throws IOException {
        try (Journal journal = new Journal(file())) {
            journal.append(result(1));
            journal.append(result(2));
        }
        List<long[]> positions = new ArrayList<>();
        Journal.scan(file(), (offset, length, line) -> positions.add(new long[]{offset, length}));

        byte[] bytes = Files.readAllBytes(file());
        assertThat(new String(bytes, StandardCharsets.UTF_8)).isEqualTo(result(1) + "\n" + result(2) + "\n");
        assertThat(positions.get(0)).containsExactly(0, result(1).length());
        assertThat(positions.get(1)).containsExactly(result(1).length() + 1, result(2).length());
    }

    @Test
    void a_torn_last_record_is_cut_off_at_open_and_the_next_record_starts_on_its_own_line() throws IOException {
        appendRaw(result(1) + "\n" + result(2).substring(0, 20));

        try (Journal journal = new Journal(file())) {
            assertThat(Files.readString(file())).isEqualTo(result(1) + "\n");
            journal.append(result(3));
        }

        assertThat(scanned()).containsExactly(result(1), result(3));
        assertThat(replayed()).containsExactly(1L, 3L);
    }

    @Test
    void a_journal_without_one_complete_record_opens_empty() throws IOException {
        appendRaw("{\"custom_id\":\"a\",\"li");

        new Journal(file()).close();

        assertThat(file()).isEmptyFile();
    }

    @Test
    void a_torn_record_is_never_read_even_before_the_journal_is_opened_again() throws IOException {
        appendRaw(result(1) + "\n" + result(2).substring(0, 30));

        assertThat(scanned()).containsExactly(result(1));
    }

    @Test
    void a_record_written_in_two_parts_reads_as_one_once_its_newline_is_there() throws IOException {
        String record = result(5);
        appendRaw(record.substring(0, 17));
        assertThat(replayed()).isEmpty();

        appendRaw(record.substring(17) + "\n");

        assertThat(scanned()).containsExactly(record);
        assertThat(replayed()).containsExactly(5L);
    }

    @Test
    void records_longer_than_the_read_buffer_and_across_its_boundary_read_whole() throws IOException {
        String big = ResultJson.write(PromptResult.invalid("run", "big", 1, "test", "x".repeat(130_000)));
        String straddling = ResultJson.write(PromptResult.invalid("run", "next", 2, "test", "y".repeat(3_000)));
        try (Journal journal = new Journal(file())) {
            journal.append(result(7));
            journal.append(big);
            journal.append(straddling);
            journal.append(result(3));
        }
        long straddlingStart = result(7).length() + 1 + big.length() + 1;
        assertThat(straddlingStart).as("the third record starts in the second 64 KiB read and ends in the third")
                .isLessThan(2 * 65_536).isGreaterThan(2 * 65_536 - straddling.length());

        assertThat(scanned()).containsExactly(result(7), big, straddling, result(3));
        assertThat(replayed()).containsExactly(7L, 1L, 2L, 3L);
    }

    @Test
    void garbage_and_foreign_records_in_the_middle_are_skipped_and_the_rest_is_read() throws IOException {
        appendRaw(result(1) + "\n"
                + "not json at all\n"
                + "{\"custom_id\":\"a\",\"line\":4,\"sta\n" // a record cut short, then more written after it
                + "{\"event\":\"rotated\",\"by\":\"logrotate\"}\n" // a foreign tool's record: no line, no status
                + "{\"custom_id\":\"b\",\"line\":0,\"status\":\"ok\"}\n" // no such line
                + "{\"custom_id\":\"c\",\"line\":6,\"status\":\"maybe\"}\n" // no such status
                + "[1,2,3]\n"
                + "\n"
                + result(2) + "\n");
        List<Long> lines = new ArrayList<>();

        long skipped = JournalRecords.read("run", file(), (result, offset, length, line) -> lines.add(result.line()));

        assertThat(lines).containsExactly(1L, 2L);
        assertThat(skipped).isEqualTo(7);
    }

    @Test
    void each_usable_record_comes_with_its_own_text_and_position() throws IOException {
        appendRaw("garbage\n" + result(9) + "\n");
        List<String> seen = new ArrayList<>();

        JournalRecords.read("run", file(), (result, offset, length, line) -> {
            seen.add(result.runId() + " " + result.customId() + " " + offset + " " + length);
            assertThat(line).isEqualTo(result(9));
        });

        assertThat(seen).containsExactly("run id-9 8 " + result(9).length());
    }

    @Test
    void a_missing_journal_has_no_records() throws IOException {
        assertThat(scanned()).isEmpty();
        assertThat(replayed()).isEmpty();
    }

    /** An embeddings answer of so many floats that its record is longer than the scan's read buffer. */
    static String embedding(long line, int floats) {
        StringBuilder vector = new StringBuilder("[[");
        for (int i = 0; i < floats; i++) {
            vector.append(i == 0 ? "" : ",").append("-0.0").append(1_000_000 + i).append("e-3");
        }
        vector.append("]]");
        return ResultJson.write(new PromptResult("run", "id-" + line, line, PromptResult.OK, "realtime", null, null,
                new PromptResult.Usage(7, 0, 7), 2, 215, null, null, "text-embedding-3-small",
                new PromptResult.Answer(null, null, null, null, null, vector.toString(), null, null)));
    }

    @Test
    void a_record_with_a_huge_answer_reads_its_bookkeeping_and_keeps_its_exact_position() throws IOException {
        String huge = embedding(2, 200_000); // ~2.6 MB: longer than the read buffer
        appendRaw(result(1) + "\n" + huge + "\n" + result(3) + "\n");
        List<String> seen = new ArrayList<>();

        long skipped = JournalRecords.read("run", file(), (result, offset, length) -> seen.add(result.line() + " "
                + result.status() + " " + (result.usage() == null ? "-" : result.usage().promptTokens()) + " "
                + result.attempts() + " " + result.latencyMs() + " " + result.model() + " " + result.answer() + " "
                + offset + " " + length));

        assertThat(huge.length()).isGreaterThan(2 << 20);
        assertThat(skipped).isZero();
        assertThat(seen).hasSize(3);
        assertThat(seen.get(1)).isEqualTo("2 ok 7 2 215 text-embedding-3-small null " + (result(1).length() + 1)
                + " " + huge.length());
        assertThat(scanned()).containsExactly(result(1), huge, result(3));
        assertThat(replayed()).containsExactly(1L, 2L, 3L);
    }

    @Test
    void a_record_torn_in_the_middle_of_its_answer_is_skipped_and_the_next_one_is_read() throws IOException {
        String torn = embedding(2, 5_000);
        String tornText = ResultJson.write(new PromptResult("run", "id-4", 4, PromptResult.OK, "realtime",
                "a long answer ".repeat(1_000), "stop", new PromptResult.Usage(1, 1, 2), 1, 5, null, null));
        appendRaw(result(1) + "\n"
                + torn.substring(0, torn.length() / 2) + "\n" // a crash in the middle of the vector, then more
                + result(3) + "\n"
                + tornText.substring(0, tornText.length() / 2) + "\n" // in the middle of the text
                + result(5) + "\n");
        List<Long> lines = new ArrayList<>();

        long skipped = JournalRecords.read("run", file(), (result, offset, length) -> lines.add(result.line()));

        assertThat(lines).containsExactly(1L, 3L, 5L);
        assertThat(skipped).isEqualTo(2);
    }

    @Test
    void fields_in_another_order_and_unknown_fields_do_not_change_what_is_read() throws IOException {
        appendRaw("{\"extra\":{\"nested\":[1,2,{\"x\":\"}]\"}]},\"embeddings\":[[0.5]],\"status\":\"ok\","
                + "\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":0,\"total_tokens\":4},\"line\":8,"
                + "\"route\":\"batch\",\"batch_id\":\"batch_9\",\"custom_id\":\"id-8\",\"more\":[[[]]]}\n");
        List<PromptResult> read = new ArrayList<>();

        JournalRecords.read("run", file(), (result, offset, length) -> read.add(result));

        assertThat(read).containsExactly(new PromptResult("run", "id-8", 8, PromptResult.OK, "batch", null, null,
                new PromptResult.Usage(4, 0, 4), 0, 0, null, "batch_9"));
    }

    @Test
    void a_record_with_bytes_that_are_not_utf8_in_its_answer_stays_usable() throws IOException {
        String record = ResultJson.write(new PromptResult("run", "id-6", 6, PromptResult.OK, "realtime", "caf\u00e9",
                "stop", new PromptResult.Usage(1, 1, 2), 1, 5, null, null));
        byte[] bytes = (record + "\n").getBytes(StandardCharsets.UTF_8);
        int accent = record.indexOf('\u00e9');
        bytes[accent] = (byte) 0xff; // the first byte of the accent: a byte no UTF-8 text holds
        Files.write(file(), bytes);

        assertThat(replayed()).containsExactly(6L);
    }
}
