package io.github.camelllm.flow;

import io.github.camelllm.config.ApiConfig;
import io.github.camelllm.config.RetryConfig;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.ErrorInfo;
import io.github.camelllm.openai.ApiException;
import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.openai.CallState;
import io.github.camelllm.openai.InvalidResponseException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;

/**
 * Which failed attempts are worth another one, how long to wait, and what an unrecoverable failure looks like
 * in the results.
 * <ul>
 *   <li>Retried, counting against {@code llm.retry.max-attempts}: 408, 409, 5xx, timeouts and broken
 *   connections, as the OpenAI SDKs do ({@code x-should-retry} from the server overrides that).</li>
 *   <li>Retried without counting: a rate-limit 429 (the {@link CallGate} holds every caller until the server
 *   is ready again, and the prompt goes back in line), and a failure while the whole API is down (the outage
 *   is the gate's to ride out, not the prompt's).</li>
 *   <li>Never retried one prompt at a time: out of credit, a refused key, an unknown model (the gate stops or
 *   holds every prompt they concern), other 4xx (the same request would fail again, and might be billed
 *   again), and 2xx answers that are not chat completions.</li>
 * </ul>
 */
public final class FailurePolicy {

    private static final Logger LOG = LoggerFactory.getLogger(FailurePolicy.class);

    private final int maxAttempts;
    private final long maxRetryAfterMs;
    private final CallGate gate;
    private final String apiKey;
    private final String apiKeyProperty;

    public FailurePolicy(RetryConfig retry, ApiConfig api, CallGate gate) {
        this.maxAttempts = retry.maxAttempts();
        this.maxRetryAfterMs = retry.maxRetryAfter().toMillis();
        this.gate = gate;
        this.apiKey = api.apiKey().trim();
        this.apiKeyProperty = api.names().apiKey();
    }

    /** The retryWhile predicate of the redelivery policy. */
    public boolean shouldRetry(Exchange exchange) {
        CallState call = exchange.getProperty(CallState.PROPERTY, CallState.class);
        Throwable failure = failureOf(exchange);
        boolean retry = switch (classOf(failure)) {
            case PIPELINE_WAIT -> true;
            case COUNTED -> call.attempts() < maxAttempts;
            case FINAL -> false;
        };
        if (retry && LOG.isDebugEnabled()) {
            LOG.debug("line {} attempt {} failed ({}): will retry", call.request().line(), call.attempts(),
                    describe(failure).message());
        }
        return retry;
    }

    /**
     * Runs on every failure, before the redelivery decision: a wait that belongs to the pipeline gives the
     * attempt back and leaves the waiting to the gate (no delay here); a server-named delay (Retry-After,
     * retry-after-ms) replaces the backoff, at most {@code maxRetryAfterMs}; otherwise Camel's backoff applies.
     */
    public void onFailure(Exchange exchange) {
        CallState call = exchange.getProperty(CallState.PROPERTY, CallState.class);
        Throwable failure = failureOf(exchange);
        if (classOf(failure) == Retry.PIPELINE_WAIT) {
            call.refundAttempt();
            exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, 0L);
            return;
        }
        ApiException api = find(failure, ApiException.class);
        OptionalLong asked = api == null ? OptionalLong.empty()
                : api.failure().retryAfterMillis(System.currentTimeMillis());
        if (asked.isPresent()) {
            exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, Math.min(asked.getAsLong(), maxRetryAfterMs));
        } else {
            exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        }
    }

    /** Turns the final failure of a call into its error result. */
    public PromptResult toErrorResult(Exchange exchange) {
        CallState call = exchange.getProperty(CallState.PROPERTY, CallState.class);
        Throwable failure = failureOf(exchange);
        ErrorInfo info = describe(failure);
        int attempts = call.attempts();
        if (attempts > 1) {
            info = new ErrorInfo(info.type(), "gave up after " + attempts + " attempts: " + info.message(),
                    info.httpStatus());
        }
        return PromptResult.error(call.request(), PromptRequest.REALTIME, attempts, call.latencyMs(System.nanoTime()), info,
                null);
    }

    private enum Retry { PIPELINE_WAIT, COUNTED, FINAL }

    private Retry classOf(Throwable failure) {
        if (find(failure, PipelineStoppedException.class) != null
                || find(failure, InvalidResponseException.class) != null) {
            return Retry.FINAL;
        }
        ApiException api = find(failure, ApiException.class);
        if (api != null) {
            ApiFailure f = api.failure();
            if (f.kind() == ApiFailure.Kind.RATE_LIMITED) {
                return Retry.PIPELINE_WAIT;
            }
            if (f.fatal()) {
                return gate.holdsOnFaults() ? Retry.PIPELINE_WAIT : Retry.FINAL;
            }
            if (!f.retryable()) {
                return Retry.FINAL;
            }
            return f.kind() == ApiFailure.Kind.SERVER && gate.outage() ? Retry.PIPELINE_WAIT : Retry.COUNTED;
        }
        if (find(failure, IOException.class) != null) {
            return gate.outage() ? Retry.PIPELINE_WAIT : Retry.COUNTED;
        }
        return Retry.FINAL;
    }

    ErrorInfo describe(Throwable failure) {
        PipelineStoppedException stopped = find(failure, PipelineStoppedException.class);
        if (stopped != null) {
            return new ErrorInfo(stopped.type(), scrub(stopped.getMessage()), stopped.httpStatus());
        }
        ApiException api = find(failure, ApiException.class);
        if (api != null) {
            ApiFailure f = api.failure();
            String message = f.describe();
            if (f.kind() == ApiFailure.Kind.AUTH) {
                message = message + " (check " + apiKeyProperty + "; the key itself is never shown)";
            }
            return new ErrorInfo(f.resultType(), scrub(message), f.status());
        }
        InvalidResponseException invalid = find(failure, InvalidResponseException.class);
        if (invalid != null) {
            return new ErrorInfo("invalid_response", scrub(invalid.getMessage()), null);
        }
        SocketTimeoutException timeout = find(failure, SocketTimeoutException.class);
        if (timeout != null) {
            return new ErrorInfo("timeout", timeout.getMessage(), null);
        }
        if (find(failure, ConnectException.class) != null) {
            return new ErrorInfo("connection_error", "cannot connect: " + scrub(messageOf(failure)), null);
        }
        if (find(failure, IOException.class) != null) {
            return new ErrorInfo("connection_error", "connection failed: " + scrub(messageOf(failure)), null);
        }
        return new ErrorInfo("internal_error", scrub(messageOf(failure)), null);
    }

    /** Removes the API key from any text that came from a server or an exception. */
    public String scrub(String text) {
        return scrubber(apiKey).apply(text);
    }

    public static UnaryOperator<String> scrubber(String apiKey) {
        return ApiFailure.scrubber(apiKey);
    }

    static Throwable failureOf(Exchange exchange) {
        Throwable t = exchange.getException();
        return t != null ? t : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
    }

    static <T extends Throwable> T find(Throwable t, Class<T> type) {
        for (int depth = 0; t != null && depth < 10; depth++, t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String messageOf(Throwable t) {
        if (t == null) {
            return "unknown failure";
        }
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }
}
