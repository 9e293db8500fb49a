package io.github.camelllm.flow;

import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.openai.ApiException;
import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.openai.CallState;
import io.github.camelllm.openai.InvalidResponseException;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/** Which failed attempts are tried again, which count, and what the final error result says; no HTTP. */
class FailurePolicyTest {

    static final String KEY = "sk-test-policy-9f8e7d6c";

    final CamelContext camel = new DefaultCamelContext();
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void tearDown() {
        timer.shutdownNow();
        camel.stop();
    }

    /** A gate that holds prompts on faults no retry fixes (the service) or ends them at once (a run FILE). */
    CallGate gate(boolean holdOnFaults) {
        PipelineConfig c = config(holdOnFaults);
        return new CallGate(c.api(), c.rateLimits(), c.retry(), c.faults(), c.calls().concurrency(), timer,
                new RateLimitStats(), runId -> true);
    }

    FailurePolicy policy(CallGate gate) {
        PipelineConfig c = config(false);
        return new FailurePolicy(c.retry(), c.api(), gate);
    }

    static PipelineConfig config(boolean holdOnFaults) {
        return PipelineConfig.of(Map.of("api-key", KEY, "retry.max-attempts", "3", "retry.max-retry-after-ms", "5000",
                "retry.initial-delay-ms", "100", "retry.max-delay-ms", "1000", "retry.max-outage-ms", "60000",
                "retry.max-probe-interval-ms", "1000", "retry.max-rate-limit-wait-ms", "60000",
                "faults.on-fatal", holdOnFaults ? "hold" : "stop", "faults.probe-interval-ms", "1000"));
    }

    static PromptRequest request() {
        return new PromptRequest("run", 4, "c4", "gpt-4o-mini", "{}", null, 1, "{\"prompt\":\"x\"}");
    }

    /** An exchange after {@code attempts} attempts, the last of which failed with {@code failure}. */
    Exchange failed(int attempts, Throwable failure) {
        Exchange exchange = new DefaultExchange(camel);
        CallState call = new CallState(request(), "direct:llm-result");
        for (int i = 0; i < attempts; i++) {
            call.startAttempt(System.nanoTime());
        }
        exchange.setProperty(CallState.PROPERTY, call);
        exchange.setException(failure);
        return exchange;
    }

    static ApiException api(int status, String body, String... headers) {
        Map<String, String> named = new java.util.HashMap<>();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            named.put(headers[i], headers[i + 1]);
        }
        return new ApiException(ApiFailure.of(status, named, body.getBytes(StandardCharsets.UTF_8)));
    }

    static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"code\":\"" + code + "\"}}";
    }

    static final String RATE_LIMITED = error("Rate limit reached", "requests", "rate_limit_exceeded");
    static final String QUOTA = error("You exceeded your current quota", "insufficient_quota", "insufficient_quota");

    static int attemptsOf(Exchange exchange) {
        return exchange.getProperty(CallState.PROPERTY, CallState.class).attempts();
    }

    /** Opens the gate's outage breaker: ten attempts in a row got no answer. */
    static void outage(CallGate gate) {
        CallState call = new CallState(request(), "direct:llm-result");
        for (int i = 0; i < OutageBreaker.MIN_FAILURES; i++) {
            gate.unanswered(call, "connection refused");
        }
        assertThat(gate.outage()).isTrue();
    }

    // ------------------------------------------------------------------------------------ what is retried

    @Test
    void server_errors_timeouts_and_broken_connections_are_retried_until_max_attempts() {
        FailurePolicy policy = policy(gate(false));
        for (Throwable failure : new Throwable[]{api(500, "boom"), api(503, ""), api(408, ""), api(409, ""),
                new SocketTimeoutException("read timed out"), new IOException("Connection reset"),
                new ConnectException("Connection refused")}) {
            assertThat(policy.shouldRetry(failed(1, failure))).as(failure.getMessage()).isTrue();
            assertThat(policy.shouldRetry(failed(2, failure))).as(failure.getMessage()).isTrue();
            assertThat(policy.shouldRetry(failed(3, failure))).as(failure.getMessage()).isFalse();
        }
    }

    @Test
    void client_errors_and_answers_that_are_not_completions_are_never_retried() {
        FailurePolicy policy = policy(gate(false));
        assertThat(policy.shouldRetry(failed(1, api(400, error("bad", "invalid_request_error", "x"))))).isFalse();
        assertThat(policy.shouldRetry(failed(1, api(422, "")))).isFalse();
        assertThat(policy.shouldRetry(failed(1, new InvalidResponseException("not JSON")))).isFalse();
        assertThat(policy.shouldRetry(failed(1, new PipelineStoppedException("outage", "down", null)))).isFalse();
        assertThat(policy.shouldRetry(failed(1, new IllegalStateException("a bug")))).isFalse();
    }

    @Test
    void the_servers_x_should_retry_overrides_the_status() {
        FailurePolicy policy = policy(gate(false));
        assertThat(policy.shouldRetry(failed(1, api(400, "", "x-should-retry", "true")))).isTrue();
        assertThat(policy.shouldRetry(failed(1, api(503, "", "x-should-retry", "false")))).isFalse();
    }

    @Test
    void a_rate_limit_is_always_retried_and_gives_its_attempt_back() {
        FailurePolicy policy = policy(gate(false));
        Exchange exchange = failed(3, api(429, RATE_LIMITED, "retry-after-ms", "2000"));
        exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, 999L);

        assertThat(policy.shouldRetry(exchange)).as("even at max attempts").isTrue();
        policy.onFailure(exchange);

        assertThat(attemptsOf(exchange)).isEqualTo(2);
        assertThat(exchange.getMessage().getHeader(Exchange.REDELIVERY_DELAY)).as("the gate waits, not the retry")
                .isEqualTo(0L);
    }

    @Test
    void faults_no_retry_fixes_end_the_prompt_or_wait_at_the_gate_when_it_holds() {
        FailurePolicy ends = policy(gate(false));
        FailurePolicy holds = policy(gate(true));
        for (ApiException fault : new ApiException[]{api(429, QUOTA),
                api(401, error("Incorrect API key", "invalid_request_error", "invalid_api_key")),
                api(404, error("The model `x` does not exist", "invalid_request_error", "model_not_found"))}) {
            assertThat(ends.shouldRetry(failed(1, fault))).as(fault.getMessage()).isFalse();
            Exchange held = failed(3, fault);
            assertThat(holds.shouldRetry(held)).as(fault.getMessage()).isTrue();
            holds.onFailure(held);
            assertThat(attemptsOf(held)).as("a held prompt keeps its attempts").isEqualTo(2);
        }
    }

    @Test
    void during_an_outage_failures_are_the_outages_and_cost_no_attempt() {
        CallGate gate = gate(false);
        FailurePolicy policy = policy(gate);
        outage(gate);
        for (Throwable failure : new Throwable[]{api(502, "<html>Bad Gateway</html>"), new IOException("reset")}) {
            Exchange exchange = failed(3, failure);
            assertThat(policy.shouldRetry(exchange)).isTrue();
            policy.onFailure(exchange);
            assertThat(attemptsOf(exchange)).isEqualTo(2);
        }
        assertThat(policy.shouldRetry(failed(3, api(400, "")))).as("a bad request is still final").isFalse();
    }

    // ------------------------------------------------------------------------------------ how long to wait

    @Test
    void a_server_named_delay_replaces_the_backoff_up_to_the_cap() {
        FailurePolicy policy = policy(gate(false));
        Exchange retryAfter = failed(1, api(503, "", "Retry-After", "2"));
        policy.onFailure(retryAfter);
        assertThat(retryAfter.getMessage().getHeader(Exchange.REDELIVERY_DELAY)).isEqualTo(2000L);

        Exchange millis = failed(1, api(503, "", "retry-after-ms", "250", "retry-after", "9"));
        policy.onFailure(millis);
        assertThat(millis.getMessage().getHeader(Exchange.REDELIVERY_DELAY)).isEqualTo(250L);

        Exchange tooLong = failed(1, api(503, "", "Retry-After", "3600"));
        policy.onFailure(tooLong);
        assertThat(tooLong.getMessage().getHeader(Exchange.REDELIVERY_DELAY)).as("llm.retry.max-retry-after-ms")
                .isEqualTo(5000L);
    }

    @Test
    void without_a_named_delay_camels_backoff_applies() {
        FailurePolicy policy = policy(gate(false));
        Exchange exchange = failed(1, api(500, "boom"));
        exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, 2000L); // left from an earlier attempt
        policy.onFailure(exchange);
        assertThat(exchange.getMessage().getHeaders()).doesNotContainKey(Exchange.REDELIVERY_DELAY);
        assertThat(attemptsOf(exchange)).isEqualTo(1);
    }

    // ------------------------------------------------------------------------------------ the error result

    @Test
    void the_error_result_names_the_failure_and_the_attempts() {
        FailurePolicy policy = policy(gate(false));
        PromptResult once = policy.toErrorResult(failed(1, api(400, error("Invalid value for max_tokens",
                "invalid_request_error", "invalid_value"))));
        assertThat(once.status()).isEqualTo(PromptResult.ERROR);
        assertThat(once.route()).isEqualTo("realtime");
        assertThat(once.customId()).isEqualTo("c4");
        assertThat(once.line()).isEqualTo(4);
        assertThat(once.attempts()).isEqualTo(1);
        assertThat(once.error().type()).isEqualTo("invalid_value");
        assertThat(once.error().httpStatus()).isEqualTo(400);
        assertThat(once.error().message()).isEqualTo("HTTP 400 invalid_value: Invalid value for max_tokens");

        PromptResult thrice = policy.toErrorResult(failed(3, api(503, error("overloaded", "server_error", "x"))));
        assertThat(thrice.attempts()).isEqualTo(3);
        assertThat(thrice.error().message()).isEqualTo("gave up after 3 attempts: HTTP 503 x: overloaded");
    }

    @Test
    void the_error_result_is_read_from_the_caught_exception_too() {
        Exchange handled = failed(1, null);
        handled.setProperty(Exchange.EXCEPTION_CAUGHT, api(500, error("boom", "server_error", "server_error")));
        PromptResult result = policy(gate(false)).toErrorResult(handled);
        assertThat(result.error().type()).isEqualTo("server_error");
        assertThat(result.error().httpStatus()).isEqualTo(500);
    }

    @Test
    void each_kind_of_failure_has_its_error_type() {
        FailurePolicy policy = policy(gate(false));
        assertThat(policy.toErrorResult(failed(1, new PipelineStoppedException("outage", "the API was down", 503)))
                .error()).isEqualTo(new PromptResult.ErrorInfo("outage", "the API was down", 503));
        assertThat(policy.toErrorResult(failed(1, new InvalidResponseException("answer is not JSON: <html>")))
                .error()).isEqualTo(new PromptResult.ErrorInfo("invalid_response", "answer is not JSON: <html>", null));
        assertThat(policy.toErrorResult(failed(1, new SocketTimeoutException("no answer in 1000 ms"))).error())
                .isEqualTo(new PromptResult.ErrorInfo("timeout", "no answer in 1000 ms", null));
        assertThat(policy.toErrorResult(failed(1, new ConnectException("Connection refused"))).error().message())
                .isEqualTo("cannot connect: ConnectException: Connection refused");
        assertThat(policy.toErrorResult(failed(1, new IOException("wrapped", new IOException("Broken pipe"))))
                .error()).isEqualTo(new PromptResult.ErrorInfo("connection_error",
                        "connection failed: IOException: Broken pipe", null));
        assertThat(policy.toErrorResult(failed(1, new IllegalStateException("a bug"))).error())
                .isEqualTo(new PromptResult.ErrorInfo("internal_error", "IllegalStateException: a bug", null));
        assertThat(policy.toErrorResult(failed(1, api(429, QUOTA))).error().type()).isEqualTo("insufficient_quota");
        assertThat(policy.toErrorResult(failed(1, api(404, "{\"error\":{\"code\":\"model_not_found\"}}"))).error()
                .type()).isEqualTo("model_not_found");
    }

    @Test
    void the_key_never_reaches_a_result() {
        FailurePolicy policy = policy(gate(false));
        PromptResult refused = policy.toErrorResult(failed(1, api(401,
                error("Incorrect API key provided: " + KEY + ".", "invalid_request_error", "invalid_api_key"))));
        assertThat(refused.error().type()).isEqualTo("authentication_error");
        assertThat(refused.error().message()).doesNotContain(KEY).contains("Incorrect API key provided: ***.")
                .endsWith("(check llm.api-key / OPENAI_API_KEY; the key itself is never shown)");

        PromptResult thrown = policy.toErrorResult(failed(1, new IllegalStateException("Bearer " + KEY)));
        assertThat(thrown.error().message()).isEqualTo("IllegalStateException: Bearer ***");
        PromptResult stopped = policy.toErrorResult(failed(1, new PipelineStoppedException("auth", KEY, 401)));
        assertThat(stopped.error().message()).isEqualTo("***");
    }

    @Test
    void the_scrubber_leaves_text_alone_without_a_real_key() {
        assertThat(FailurePolicy.scrubber(KEY).apply("key " + KEY + " and " + KEY)).isEqualTo("key *** and ***");
        assertThat(FailurePolicy.scrubber("").apply("nothing to hide")).isEqualTo("nothing to hide");
        assertThat(FailurePolicy.scrubber("abc").apply("abcdef")).as("too short to be a key").isEqualTo("abcdef");
        assertThat(FailurePolicy.scrubber(" " + KEY + " ").apply(KEY)).isEqualTo("***");
        assertThat(FailurePolicy.scrubber(KEY).apply(null)).isNull();
    }
}
