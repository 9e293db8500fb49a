package io.github.camelllm.openai;

import java.util.Map;

/**
 * Where a chat client reports what became of every attempt, so that rate limits and the API's health are learnt
 * from the traffic itself (the pipeline's call gate).
 */
public interface CallOutcomes {

    /**
     * An HTTP answer to an attempt.
     *
     * @param headers the rate-limit headers of a usable answer, or every header of a refusal (lower-case names)
     * @param failure null for a usable answer
     */
    void answered(CallState call, Map<String, String> headers, ApiFailure failure);

    /** An attempt that got no HTTP answer: refused or reset connection, a timeout. */
    void unanswered(CallState call, String description);
}
