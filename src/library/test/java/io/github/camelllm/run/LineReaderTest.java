package io.github.camelllm.run;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LineReaderTest {

    static List<RawLine> read(byte[] bytes, int max) {
        List<RawLine> out = new ArrayList<>();
        new LineReader(new ByteArrayInputStream(bytes), max).forEachRemaining(out::add);
        return out;
    }

    @Test
    void counts_blank_lines_but_does_not_return_them_and_strips_crlf_and_bom() {
        byte[] bytes = "\uFEFFfirst\r\n\n   \nsecond\nlast without newline".getBytes(StandardCharsets.UTF_8);
        List<RawLine> lines = read(bytes, 100);
        assertThat(lines).extracting(RawLine::number).containsExactly(1L, 4L, 5L);
        assertThat(lines).extracting(RawLine::text).containsExactly("first", "second", "last without newline");
    }

    @Test
    void an_over_long_line_is_reported_without_being_buffered_and_the_next_line_is_fine() {
        byte[] bytes = ("x".repeat(300_000) + "\nok\n").getBytes(StandardCharsets.UTF_8);
        List<RawLine> lines = read(bytes, 1000);
        assertThat(lines.get(0).error()).isEqualTo("line is 300000 bytes, over the limit llm.input.max-line-bytes=1000");
        assertThat(lines.get(1).text()).isEqualTo("ok");
    }

    @Test
    void bytes_that_are_not_utf8_name_the_column() {
        byte[] bytes = {'a', 'b', (byte) 0xFF, 'c', '\n', 'o', 'k'};
        List<RawLine> lines = read(bytes, 100);
        assertThat(lines.get(0).error()).isEqualTo("line is not valid UTF-8 text (byte 0xFF at column 3)");
        assertThat(lines.get(1).text()).isEqualTo("ok");
    }

    @Test
    void streams_a_large_input_without_holding_it() {
        long lines = 200_000;
        InputStream endless = new InputStream() {
            final byte[] line = "{\"prompt\":\"p\"}\n".getBytes(StandardCharsets.UTF_8);
            long pos;

            @Override
            public int read() {
                if (pos >= lines * line.length) {
                    return -1;
                }
                return line[(int) (pos++ % line.length)];
            }
        };
        LineReader reader = new LineReader(endless, 1000);
        long n = 0;
        while (reader.hasNext()) {
            reader.next();
            n++;
        }
        assertThat(n).isEqualTo(lines);
    }
}
