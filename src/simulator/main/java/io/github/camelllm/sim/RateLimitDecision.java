package io.github.camelllm.sim;

import java.util.Map;

/**
 * The verdict of the rate limiter on one chat request.
 *
 * @param admitted     true when the request was charged and may be answered
 * @param error        the 429 to send when not admitted (without rate-limit headers), else null
 * @param retryAfterMs exact wait until enough has refilled; -1 when waiting cannot help
 * @param headers      x-ratelimit-* headers describing the buckets after this decision
 */
record RateLimitDecision(boolean admitted, SimResponse error, long retryAfterMs, Map<String, String> headers) {
    static final String ORG = "org-sim";
    private static final String MORE = " Visit https://platform.openai.com/account/rate-limits to learn more.";

    static RateLimitDecision admitted(Map<String, String> headers) {
        return new RateLimitDecision(true, null, 0, headers);
    }

    /** Not enough in the {@code kind} bucket ("requests" or "tokens"); OpenAI's wording. */
    static RateLimitDecision rejected(String model, String kind, long limit, long used, long requested, long waitMs,
                                      Map<String, String> headers) {
        String unit = kind.equals("requests") ? "requests per min (RPM)" : "tokens per min (TPM)";
        String message = "Rate limit reached for " + model + " in organization " + ORG + " on " + unit + ": Limit "
                + limit + ", Used " + used + ", Requested " + requested + ". Please try again in "
                + GoDuration.ofMillis(waitMs) + "." + MORE;
        return new RateLimitDecision(false, OpenAiErrors.error(429, message, kind, null, "rate_limit_exceeded"),
                waitMs, headers);
    }

    /** A request needing more tokens than the bucket can ever hold; retrying cannot help. */
    static RateLimitDecision tooLarge(String model, long limit, long requested, Map<String, String> headers) {
        String message = "Request too large for " + model + " in organization " + ORG
                + " on tokens per min (TPM): Limit " + limit + ", Requested " + requested
                + ". The input or output tokens must be reduced in order to run successfully." + MORE;
        return new RateLimitDecision(false, OpenAiErrors.error(429, message, "tokens", null, "rate_limit_exceeded"),
                -1, headers);
    }
}
