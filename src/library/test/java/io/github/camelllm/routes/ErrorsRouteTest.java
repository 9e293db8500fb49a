package io.github.camelllm.routes;

import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.flow.CallGate;
import io.github.camelllm.flow.FailurePolicy;
import io.github.camelllm.flow.RateLimitStats;
import io.github.camelllm.openai.ApiException;
import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.openai.CallState;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chat route's error handler (30-realtime.camel.yaml): a failed call is tried again as FailurePolicy decides, with Camel's backoff or the delay
 * the server named, and one that cannot succeed ends as an error result, never as a lost prompt.
 */
class ErrorsRouteTest extends RouteFileTestSupport {

    ErrorsRouteTest() {
        super("30-realtime.camel.yaml", Map.of("llm.retry.initial-delay-ms", "10", "llm.retry.multiplier", "2",
                "llm.retry.max-delay-ms", "40", "llm.retry.jitter", "0.1"),
                Set.of("chat", "chat-call", "call-failed", "reply"));
    }

    static final int MAX_ATTEMPTS = 3;
    static final String OK = "answered";

    final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    /** What each attempt meets, in turn: a failure to throw, or {@link #OK}. */
    final Queue<Object> script = new ArrayDeque<>();
    final List<Long> attemptTimes = new CopyOnWriteArrayList<>();

    /** Where the chat route's results go: the call names this endpoint as the one its result goes back to. */
    @Override
    RouteBuilder standIns() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:llm-result").to("mock:reply");
            }
        };
    }

    Processor attempt() {
        return exchange -> {
            exchange.getProperty(CallState.PROPERTY, CallState.class).startAttempt(System.nanoTime());
            attemptTimes.add(System.nanoTime() / 1_000_000);
            Object next = script.isEmpty() ? OK : script.poll();
            if (next instanceof Exception failure) {
                throw failure;
            }
            exchange.getMessage().setBody(next);
        };
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        PipelineConfig c = PipelineConfig.of(Map.of("retry.max-attempts", Integer.toString(MAX_ATTEMPTS),
                "retry.max-retry-after-ms", "5000", "retry.initial-delay-ms", "100", "retry.max-delay-ms", "1000",
                "retry.max-outage-ms", "60000", "retry.max-probe-interval-ms", "1000",
                "retry.max-rate-limit-wait-ms", "60000", "faults.on-fatal", "stop", "faults.probe-interval-ms", "1000"));
        CallGate gate = new CallGate(c.api(), c.rateLimits(), c.retry(), c.faults(), c.calls().concurrency(), timer,
                new RateLimitStats(), runId -> true);
        FailurePolicy failures = new FailurePolicy(c.retry(), c.api(), gate);
        registry.bind("llm-timer", timer);
        registry.bind("llm-retryWhile", (Predicate) failures::shouldRetry);
        registry.bind("llm-callWithheld", (Predicate) exchange -> false);
        registry.bind("llm-callGate", (Processor) exchange -> { });
        registry.bind("llm-chatClient", attempt());
        registry.bind("llm-toResult", (Processor) exchange -> { }); // the attempt's answer is the result
        // work items from a seda queue: nothing to acknowledge
        registry.bind("llm-takeWorkItem", (Processor) exchange -> { });
        registry.bind("llm-runIdOfMessage", org.apache.camel.support.builder.ExpressionBuilder.constantExpression("run"));
        registry.bind("llm-workItemDone", (Processor) exchange -> { });
        registry.bind("llm-failures", failures);
        registry.bind("llm-repliesHere", (Predicate) exchange -> false); // the result goes where the call names
        registry.bind("llm-retryAfterDelay", (Processor) failures::onFailure);
    }

    @AfterEach
    void stopTimer() {
        timer.shutdownNow();
    }

    static ApiException answer(int status, String body, String... headers) {
        Map<String, String> named = new java.util.HashMap<>();
        for (int i = 0; i + 1 < headers.length; i += 2) {
            named.put(headers[i], headers[i + 1]);
        }
        return new ApiException(ApiFailure.of(status, named, body.getBytes(StandardCharsets.UTF_8)));
    }

    /** Sends one prompt through the chat route; returns what reached the reply and the call's state. */
    CallState call() {
        CallState call = new CallState(new PromptRequest("run", 1, "c1", "gpt-4o-mini", "{}", null, 1, null),
                "direct:llm-result");
        Exchange done = template.send("direct:llm-chat", e -> e.setProperty(CallState.PROPERTY, call));
        assertThat(done.getException()).as("a failure is handled, never thrown back").isNull();
        return call;
    }

    Object reply() throws InterruptedException {
        MockEndpoint reply = getMockEndpoint("mock:reply");
        reply.expectedMessageCount(1);
        reply.assertIsSatisfied();
        return reply.getExchanges().get(0).getMessage().getBody();
    }

    @Test
    void a_server_error_is_tried_again_and_the_answer_goes_on() throws Exception {
        script.add(answer(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));

        CallState call = call();

        assertThat(reply()).isEqualTo(OK);
        assertThat(call.attempts()).isEqualTo(2);
    }

    @Test
    void retries_that_run_out_end_as_an_error_result() throws Exception {
        for (int i = 0; i < MAX_ATTEMPTS + 1; i++) {
            script.add(answer(503, "{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}"));
        }

        call();

        PromptResult result = (PromptResult) reply();
        assertThat(attemptTimes).hasSize(MAX_ATTEMPTS);
        assertThat(result.status()).isEqualTo(PromptResult.ERROR);
        assertThat(result.attempts()).isEqualTo(MAX_ATTEMPTS);
        assertThat(result.error().httpStatus()).isEqualTo(503);
        assertThat(result.error().message()).isEqualTo("gave up after 3 attempts: HTTP 503 server_error: overloaded");
    }

    @Test
    void a_refused_request_ends_as_an_error_result_at_once() throws Exception {
        script.add(answer(400, "{\"error\":{\"message\":\"Invalid value\",\"type\":\"invalid_request_error\"}}"));

        call();

        PromptResult result = (PromptResult) reply();
        assertThat(attemptTimes).hasSize(1);
        assertThat(result.attempts()).isEqualTo(1);
        assertThat(result.error().type()).isEqualTo("invalid_request_error");
    }

    @Test
    void a_delay_the_server_names_replaces_the_backoff() throws Exception {
        script.add(answer(503, "", "retry-after-ms", "400"));

        call();

        assertThat(reply()).isEqualTo(OK);
        assertThat(attemptTimes.get(1) - attemptTimes.get(0)).as("ms between the attempts").isGreaterThanOrEqualTo(400);
    }

    @Test
    void rate_limit_answers_go_back_in_line_without_using_up_attempts() throws Exception {
        for (int i = 0; i < MAX_ATTEMPTS + 2; i++) {
            script.add(answer(429, "{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                    + "\"code\":\"rate_limit_exceeded\"}}"));
        }

        CallState call = call();

        assertThat(reply()).isEqualTo(OK);
        assertThat(attemptTimes).hasSize(MAX_ATTEMPTS + 3);
        assertThat(call.attempts()).isEqualTo(1);
    }
}
