package io.github.camelllm.openai;

import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.OptionalLong;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterTest {

    @Test
    void milliseconds_win_then_seconds_then_an_http_date() {
        assertThat(RetryAfter.delayMillis(Map.of("retry-after-ms", "1500", "Retry-After", "9"), 0)).hasValue(1500);
        assertThat(RetryAfter.delayMillis(Map.of("Retry-After", "2"), 0)).hasValue(2000);
        assertThat(RetryAfter.delayMillis(Map.of("RETRY-AFTER", "0.25"), 0)).hasValue(250);
        long now = 1_700_000_000_000L;
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(
                ZonedDateTime.ofInstant(java.time.Instant.ofEpochMilli(now + 30_000), ZoneOffset.UTC));
        assertThat(RetryAfter.delayMillis(Map.of("Retry-After", date), now)).hasValue(30_000);
    }

    @Test
    void nonsense_is_ignored() {
        assertThat(RetryAfter.delayMillis(Map.of("Retry-After", "soon"), 0)).isEqualTo(OptionalLong.empty());
        assertThat(RetryAfter.delayMillis(Map.of("retry-after-ms", "-5"), 0)).isEqualTo(OptionalLong.empty());
        assertThat(RetryAfter.delayMillis(null, 0)).isEqualTo(OptionalLong.empty());
    }
}
