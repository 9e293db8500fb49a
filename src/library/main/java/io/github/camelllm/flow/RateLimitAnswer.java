package io.github.camelllm.flow;

import io.github.camelllm.openai.ApiFailure;

import java.util.regex.Pattern;

/**
 * What a 429 rate-limit answer says about the server's limits. OpenAI's 429s come from its request and token
 * buckets: they name the bucket ({@code rate_limit_exceeded}, "on requests per min (RPM): Limit 3, Used 3") and their
 * {@code x-ratelimit-remaining-*} headers agree (nothing left). Such an answer is paced by the buckets. Any other 429
 * only says "too much" without saying how much, and the calls in flight are what is lowered
 * ({@link ConcurrencyLimit}):
 * <ul>
 *   <li>a 429 without an error code (a gateway, a proxy that caps concurrency);</li>
 *   <li>{@code slow_down}: traffic grew too fast, even within the limits;</li>
 *   <li>a 429 whose headers contradict it (the named bucket has room for the call);</li>
 *   <li>a 429 that neither states a limit nor comes from a bucket whose limit is known (a server's random 429s).</li>
 * </ul>
 */
final class RateLimitAnswer {

    /** "Limit 3000, Used 2990, Requested 20": OpenAI's wording for a bucket that is empty. */
    private static final Pattern STATES_LIMIT = Pattern.compile("Limit \\d");

    /** How a 429 is handled. */
    enum Kind {
        /** From a known bucket: every caller of the model waits until it holds the call again. */
        BUCKET,
        /** "Too much", with no usable limit: fewer calls in flight, and the prompt waits a backoff of its own. */
        OVERLOAD
    }

    private RateLimitAnswer() {
    }

    /**
     * @param failure   a {@link ApiFailure.Kind#RATE_LIMITED} answer
     * @param tokenCost what the call costs in the tokens bucket
     * @param bucket    the bucket it names, as this process knows it
     */
    static Kind of(ApiFailure failure, double tokenCost, Bucket bucket) {
        if ("slow_down".equals(failure.code())) {
            return Kind.OVERLOAD;
        }
        if (failure.code() == null && failure.type() == null) {
            return Kind.OVERLOAD;
        }
        String name = failure.exhaustedBucket();
        double remaining = number(failure.headers().get("x-ratelimit-remaining-" + name));
        if (remaining >= 0) {
            double needed = "tokens".equals(name) ? Math.max(1, tokenCost) : 1;
            return remaining >= needed ? Kind.OVERLOAD : Kind.BUCKET;
        }
        boolean statesLimit = failure.message() != null && STATES_LIMIT.matcher(failure.message()).find();
        return statesLimit || bucket.known() ? Kind.BUCKET : Kind.OVERLOAD;
    }

    /** Why the answer is an overload, for the log. */
    static String describe(ApiFailure failure) {
        if ("slow_down".equals(failure.code())) {
            return "429 slow_down";
        }
        if (failure.code() == null && failure.type() == null) {
            return "429 without an error code";
        }
        return "429 that names no bucket with its limit reached";
    }

    private static double number(String value) {
        if (value == null || value.isBlank()) {
            return -1;
        }
        try {
            double v = Double.parseDouble(value.trim());
            return Double.isFinite(v) ? v : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
