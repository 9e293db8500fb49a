package io.github.camelllm.openai;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ApiFailureTest {

    static ApiFailure of(int status, Map<String, String> headers, String body) {
        return ApiFailure.of(status, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void go_durations_as_rate_limit_headers_write_them() {
        assertThat(GoDuration.millis("20ms")).hasValue(20);
        assertThat(GoDuration.millis("1s")).hasValue(1000);
        assertThat(GoDuration.millis("1.5s")).hasValue(1500);
        assertThat(GoDuration.millis("6m0s")).hasValue(360_000);
        assertThat(GoDuration.millis("1h2m3.5s")).hasValue(3_723_500);
        assertThat(GoDuration.millis("250us")).hasValue(1);
        assertThat(GoDuration.millis("soon")).isEmpty();
        assertThat(GoDuration.millis("5")).isEmpty();
        assertThat(GoDuration.millis("")).isEmpty();
        assertThat(GoDuration.fromMessage("Rate limit reached ... Please try again in 1.234s. Visit")).hasValue(1234);
        assertThat(GoDuration.fromMessage("Please try again in 6m0s.")).hasValue(360_000);
    }

    @Test
    void a_rate_limit_and_an_empty_account_are_told_apart() {
        ApiFailure rate = of(429, Map.of(), "{\"error\":{\"message\":\"Rate limit reached for gpt-4o-mini on tokens per "
                + "min (TPM): Limit 30000, Used 30000, Requested 500. Please try again in 1s.\",\"type\":\"tokens\","
                + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}");
        assertThat(rate.kind()).isEqualTo(ApiFailure.Kind.RATE_LIMITED);
        assertThat(rate.exhaustedBucket()).isEqualTo("tokens");
        assertThat(rate.retryAfterMillis(0)).hasValue(1000);
        assertThat(rate.retryable()).isTrue();

        ApiFailure quota = of(429, Map.of(), "{\"error\":{\"message\":\"You exceeded your current quota\","
                + "\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}");
        assertThat(quota.kind()).isEqualTo(ApiFailure.Kind.QUOTA);
        assertThat(quota.fatal()).isTrue();
        assertThat(quota.retryable()).isFalse();

        assertThat(of(429, Map.of(), "").kind()).as("a bare 429 is a rate limit").isEqualTo(ApiFailure.Kind.RATE_LIMITED);
    }

    @Test
    void server_named_waits_in_order_of_precedence() {
        assertThat(of(429, Map.of("retry-after-ms", "250", "retry-after", "3"), "").retryAfterMillis(0)).hasValue(250);
        assertThat(of(429, Map.of("Retry-After", "3"), "").retryAfterMillis(0)).hasValue(3000);
        assertThat(of(429, Map.of("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "750ms"), "")
                .retryAfterMillis(0)).hasValue(750);
        assertThat(of(429, Map.of(), "{\"error\":{\"code\":\"rate_limit_exceeded\"}}").retryAfterMillis(0)).isEmpty();
    }

    @Test
    void gateway_pages_keys_and_models() {
        ApiFailure html = of(502, Map.of("Content-Type", "text/html"),
                "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>");
        assertThat(html.kind()).isEqualTo(ApiFailure.Kind.SERVER);
        assertThat(html.describe()).startsWith("HTTP 502").contains("Bad Gateway").doesNotContain("<");
        assertThat(of(401, Map.of(), "{\"error\":{\"code\":\"invalid_api_key\"}}").kind())
                .isEqualTo(ApiFailure.Kind.AUTH);
        assertThat(of(404, Map.of(), "{\"error\":{\"message\":\"The model `x` does not exist or you do not have "
                + "access to it.\",\"code\":\"model_not_found\"}}").kind()).isEqualTo(ApiFailure.Kind.MODEL_NOT_FOUND);
        assertThat(of(404, Map.of(), "Not Found").kind()).isEqualTo(ApiFailure.Kind.NOT_FOUND);
        assertThat(of(400, Map.of(), "{\"error\":{\"message\":\"bad\"}}").retryable()).isFalse();
        assertThat(of(400, Map.of("x-should-retry", "true"), "").retryable()).isTrue();
        assertThat(of(503, Map.of("x-should-retry", "false"), "").retryable()).isFalse();
    }
}
