package io.github.camelllm.openai;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Reads how long a server asked us to wait: {@code retry-after-ms} (milliseconds, OpenAI's), then
 * {@code Retry-After} as seconds or as an HTTP date. Header names are matched case-insensitively.
 */
public final class RetryAfter {

    private RetryAfter() {
    }

    public static OptionalLong delayMillis(Map<String, String> headers, long nowMillis) {
        if (headers == null) {
            return OptionalLong.empty();
        }
        String ms = header(headers, "retry-after-ms");
        if (ms != null) {
            try {
                double value = Double.parseDouble(ms.trim());
                if (value >= 0 && !Double.isNaN(value) && !Double.isInfinite(value)) {
                    return OptionalLong.of((long) Math.ceil(value));
                }
            } catch (NumberFormatException ignored) {
                // fall through to Retry-After
            }
        }
        String after = header(headers, "retry-after");
        if (after == null || after.isBlank()) {
            return OptionalLong.empty();
        }
        try {
            double seconds = Double.parseDouble(after.trim());
            return seconds < 0 || Double.isNaN(seconds) || Double.isInfinite(seconds) ? OptionalLong.empty()
                    : OptionalLong.of((long) Math.ceil(seconds * 1000));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(after.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                long delay = Duration.ofMillis(at.toInstant().toEpochMilli() - nowMillis).toMillis();
                return OptionalLong.of(Math.max(0, delay));
            } catch (DateTimeParseException notDate) {
                return OptionalLong.empty();
            }
        }
    }

    static String header(Map<String, String> headers, String name) {
        for (Map.Entry<String, String> e : headers.entrySet()) {
            if (e.getKey() != null && e.getKey().equalsIgnoreCase(name)) {
                return e.getValue();
            }
        }
        return null;
    }
}
