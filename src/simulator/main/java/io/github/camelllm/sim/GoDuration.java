package io.github.camelllm.sim;

/**
 * Formats a duration the way Go's {@code time.Duration.String()} does, which is what OpenAI puts in
 * x-ratelimit-reset-* headers and "try again in" messages: {@code 20ms}, {@code 1.5s}, {@code 6m0s},
 * {@code 1h2m3.004s}. Millisecond resolution is all the simulator needs.
 */
final class GoDuration {

    private GoDuration() {
    }

    static String ofMillis(long ms) {
        if (ms <= 0) {
            return "0s";
        }
        if (ms < 1000) {
            return ms + "ms";
        }
        long hours = ms / 3_600_000;
        long minutes = ms / 60_000 % 60;
        long seconds = ms / 1000 % 60;
        long millis = ms % 1000;
        StringBuilder sb = new StringBuilder();
        if (hours > 0) {
            sb.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            sb.append(minutes).append('m');
        }
        sb.append(seconds);
        if (millis > 0) {
            String fraction = String.format("%03d", millis);
            int end = fraction.length();
            while (fraction.charAt(end - 1) == '0') {
                end--;
            }
            sb.append('.').append(fraction, 0, end);
        }
        return sb.append('s').toString();
    }
}
