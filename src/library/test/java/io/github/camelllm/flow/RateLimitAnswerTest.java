package io.github.camelllm.flow;

import io.github.camelllm.openai.ApiFailure;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static io.github.camelllm.flow.RateLimitAnswer.Kind.BUCKET;
import static io.github.camelllm.flow.RateLimitAnswer.Kind.OVERLOAD;
import static org.assertj.core.api.Assertions.assertThat;

/** Which 429s come from a bucket the pipeline can pace against, and which only say "too much". */
class RateLimitAnswerTest {

    static final String OPENAI = "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini in organization org-1"
            + " on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.\","
            + "\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";
    static final String TOKENS = "{\"error\":{\"message\":\"Rate limit reached on tokens per min (TPM): Limit 30000,"
            + " Used 29900, Requested 500.\",\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}";
    static final String RANDOM = "{\"error\":{\"message\":\"Rate limit reached for requests.\","
            + "\"type\":\"requests\",\"code\":\"rate_limit_exceeded\"}}";

    final Bucket unknown = new Bucket(0, 0);

    static ApiFailure answer(String body, String... headers) {
        Map<String, String> h = new java.util.HashMap<>();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            h.put(headers[i], headers[i + 1]);
        }
        return ApiFailure.of(429, h, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void openai_bucket_answers_are_paced() {
        assertThat(RateLimitAnswer.of(answer(OPENAI), 10, unknown)).isEqualTo(BUCKET);
        assertThat(RateLimitAnswer.of(answer(OPENAI, "x-ratelimit-remaining-requests", "0"), 10, unknown))
                .isEqualTo(BUCKET);
        assertThat(RateLimitAnswer.of(answer(TOKENS, "x-ratelimit-remaining-tokens", "100"), 500, unknown))
                .as("100 tokens left, 500 needed").isEqualTo(BUCKET);
        assertThat(RateLimitAnswer.of(answer(RANDOM), 10, new Bucket(600, 0)))
                .as("a bucket whose limit is known").isEqualTo(BUCKET);
    }

    @Test
    void answers_that_name_no_limit_or_contradict_it_are_overloads() {
        assertThat(RateLimitAnswer.of(answer("{\"error\":{\"message\":\"Too many requests\"}}"), 10, unknown))
                .as("no code").isEqualTo(OVERLOAD);
        assertThat(RateLimitAnswer.of(answer("<html>429 Too Many Requests</html>"), 10, unknown))
                .as("a gateway page").isEqualTo(OVERLOAD);
        assertThat(RateLimitAnswer.of(answer(RANDOM), 10, unknown)).as("no limit known").isEqualTo(OVERLOAD);
        assertThat(RateLimitAnswer.of(answer(OPENAI, "x-ratelimit-remaining-requests", "9999"), 10, unknown))
                .as("headers that claim plenty left").isEqualTo(OVERLOAD);
        assertThat(RateLimitAnswer.of(answer("{\"error\":{\"message\":\"slow down\",\"type\":\"slow_down\","
                + "\"code\":\"slow_down\"}}"), 10, new Bucket(600, 0))).isEqualTo(OVERLOAD);
    }
}
