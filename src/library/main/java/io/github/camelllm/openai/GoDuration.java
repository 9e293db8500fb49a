package io.github.camelllm.openai;

import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as OpenAI's rate-limit headers and messages write them, in Go's form: {@code 20ms}, {@code 1s},
 * {@code 1.5s}, {@code 6m0s}, {@code 1h2m3.5s}, {@code 250us}. Parsed to milliseconds, rounded up.
 */
public final class GoDuration {

    private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(h|ms|us|µs|ns|m|s)");
    private static final Pattern TRY_AGAIN = Pattern.compile("(?i)try again in\\s+((?:\\d+(?:\\.\\d+)?(?:h|ms|us|µs|ns|m|s))+)");

    private GoDuration() {
    }

    public static OptionalLong millis(String text) {
        if (text == null) {
            return OptionalLong.empty();
        }
        String s = text.trim();
        if (s.isEmpty()) {
            return OptionalLong.empty();
        }
        Matcher m = PART.matcher(s);
        double ms = 0;
        int end = 0;
        while (m.find()) {
            if (m.start() != end) {
                return OptionalLong.empty();
            }
            double v = Double.parseDouble(m.group(1));
            ms += switch (m.group(2)) {
                case "h" -> v * 3_600_000;
                case "m" -> v * 60_000;
                case "s" -> v * 1000;
                case "ms" -> v;
                case "us", "µs" -> v / 1000;
                default -> v / 1_000_000;
            };
            end = m.end();
        }
        if (end != s.length() || end == 0) {
            return OptionalLong.empty();
        }
        return OptionalLong.of((long) Math.ceil(ms));
    }

    /** The wait named in a rate-limit message: "... Please try again in 1.234s." / "in 6m0s" / "in 20ms". */
    public static OptionalLong fromMessage(String message) {
        if (message == null) {
            return OptionalLong.empty();
        }
        Matcher m = TRY_AGAIN.matcher(message);
        return m.find() ? millis(m.group(1)) : OptionalLong.empty();
    }
}
