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
}
