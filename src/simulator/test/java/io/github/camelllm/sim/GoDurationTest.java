package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GoDurationTest {
    static final Pattern GO_DURATION = Pattern.compile("^(?:(\\d+)h)?(?:(\\d+)m(?!s))?(?:(\\d+(?:\\.\\d+)?)s|(\\d+)ms)$");

    /** Parses the forms GoDuration writes, for assertions in other tests. */
    static long parseMillis(String text) {
        Matcher m = GO_DURATION.matcher(text);
        assertThat(m.matches()).as("Go duration: " + text).isTrue();
        long ms = 0;
        if (m.group(1) != null) {
            ms += Long.parseLong(m.group(1)) * 3_600_000;
        }
        if (m.group(2) != null) {
            ms += Long.parseLong(m.group(2)) * 60_000;
        }
        if (m.group(3) != null) {
            ms += Math.round(Double.parseDouble(m.group(3)) * 1000);
        }
        if (m.group(4) != null) {
            ms += Long.parseLong(m.group(4));
        }
        return ms;
    }

    @Test
    void formats_like_go() {
        assertThat(GoDuration.ofMillis(0)).isEqualTo("0s");
        assertThat(GoDuration.ofMillis(20)).isEqualTo("20ms");
        assertThat(GoDuration.ofMillis(999)).isEqualTo("999ms");
        assertThat(GoDuration.ofMillis(1000)).isEqualTo("1s");
        assertThat(GoDuration.ofMillis(1500)).isEqualTo("1.5s");
        assertThat(GoDuration.ofMillis(1234)).isEqualTo("1.234s");
        assertThat(GoDuration.ofMillis(59_123)).isEqualTo("59.123s");
        assertThat(GoDuration.ofMillis(360_000)).isEqualTo("6m0s");
        assertThat(GoDuration.ofMillis(82_500)).isEqualTo("1m22.5s");
        assertThat(GoDuration.ofMillis(3_723_004)).isEqualTo("1h2m3.004s");
        assertThat(GoDuration.ofMillis(3_600_000)).isEqualTo("1h0m0s");
    }

    @Test
    void parser_reads_back() {
        for (long ms : new long[] {0, 20, 1000, 1500, 59_123, 360_000, 82_500, 3_723_004}) {
            assertThat(parseMillis(GoDuration.ofMillis(ms))).isEqualTo(ms);
        }
    }
}
