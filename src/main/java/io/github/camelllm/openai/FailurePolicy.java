package io.github.camelllm.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.camelllm.PromptRequest;
import io.github.camelllm.PromptResult;
import io.github.camelllm.PromptResult.ErrorInfo;
import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.OptionalLong;

/**
 * Which failed calls are worth another attempt, how long to wait when the server says so, and what an
 * unrecoverable failure looks like in the results.
 * <p>
 * Retried: 408, 409, 429, 5xx, timeouts and broken connections, as the OpenAI SDKs do; an
 * {@code x-should-retry} header from the server overrides that. Never retried: other 4xx (the same request
 * would fail again, and might be billed again) and 2xx answers that are not chat completions.
 */
public final class FailurePolicy {

    private static final Logger LOG = LoggerFactory.getLogger(FailurePolicy.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int maxAttempts;
    private final long maxRetryAfterMs;
    private final long responseTimeoutMs;
    private final String apiKey;

    public FailurePolicy(int maxAttempts, long maxRetryAfterMs, long responseTimeoutMs, String apiKey) {
        this.maxAttempts = Math.max(1, maxAttempts);
        this.maxRetryAfterMs = maxRetryAfterMs;
        this.responseTimeoutMs = responseTimeoutMs;
        this.apiKey = apiKey == null ? "" : apiKey.trim();
    }

    /** The retryWhile predicate of the redelivery policy. */
    public boolean shouldRetry(Exchange exchange) {
        Throwable failure = failureOf(exchange);
        boolean retry = ChatCalls.attempts(exchange) < maxAttempts && retryable(failure);
        if (retry && LOG.isDebugEnabled()) {
            PromptRequest request = exchange.getProperty(ChatCalls.REQUEST, PromptRequest.class);
            LOG.debug("line {} attempt {} failed ({}): will retry", request == null ? "?" : request.line(),
                    ChatCalls.attempts(exchange), describe(failure).message());
        }
        return retry;
    }

    /**
     * Runs on every failure, before the redelivery delay is computed: a server-named delay (Retry-After,
     * retry-after-ms) replaces the backoff, at least as long as asked and at most {@code maxRetryAfterMs}.
     */
    public void onFailure(Exchange exchange) {
        HttpOperationFailedException http = find(failureOf(exchange), HttpOperationFailedException.class);
        OptionalLong asked = http == null ? OptionalLong.empty()
                : RetryAfter.delayMillis(http.getResponseHeaders(), System.currentTimeMillis());
        if (asked.isPresent()) {
            exchange.getMessage().setHeader(Exchange.REDELIVERY_DELAY, Math.min(asked.getAsLong(), maxRetryAfterMs));
        } else {
            exchange.getMessage().removeHeader(Exchange.REDELIVERY_DELAY);
        }
    }

    /** Turns the final failure of a call into its error result. */
    public PromptResult toErrorResult(Exchange exchange) {
        PromptRequest request = exchange.getProperty(ChatCalls.REQUEST, PromptRequest.class);
        Throwable failure = failureOf(exchange);
        ErrorInfo info = describe(failure);
        int attempts = ChatCalls.attempts(exchange);
        if (attempts > 1) {
            info = new ErrorInfo(info.type(), "gave up after " + attempts + " attempts: " + info.message(),
                    info.httpStatus());
        }
        return PromptResult.error(request, "realtime", attempts, ChatCalls.latencyMs(exchange), info, null);
    }

    boolean retryable(Throwable failure) {
        HttpOperationFailedException http = find(failure, HttpOperationFailedException.class);
        if (http != null) {
            String should = RetryAfter.header(http.getResponseHeaders(), "x-should-retry");
            if ("true".equalsIgnoreCase(should)) {
                return true;
            }
            if ("false".equalsIgnoreCase(should)) {
                return false;
            }
            int status = http.getStatusCode();
            return status == 408 || status == 409 || status == 429 || status >= 500;
        }
        if (find(failure, InvalidResponseException.class) != null) {
            return false;
        }
        return find(failure, IOException.class) != null;
    }

    ErrorInfo describe(Throwable failure) {
        HttpOperationFailedException http = find(failure, HttpOperationFailedException.class);
        if (http != null) {
            return describeHttp(http);
        }
        InvalidResponseException invalid = find(failure, InvalidResponseException.class);
        if (invalid != null) {
            return new ErrorInfo("invalid_response", scrub(invalid.getMessage()), null);
        }
        if (find(failure, SocketTimeoutException.class) != null) {
            return new ErrorInfo("timeout", "no response within llm.timeout.response-ms=" + responseTimeoutMs + " ms",
                    null);
        }
        if (find(failure, ConnectException.class) != null) {
            return new ErrorInfo("connection_error", "cannot connect: " + scrub(messageOf(failure)), null);
        }
        if (find(failure, SocketException.class) != null || find(failure, IOException.class) != null) {
            return new ErrorInfo("connection_error", "connection failed: " + scrub(messageOf(failure)), null);
        }
        return new ErrorInfo("internal_error", scrub(messageOf(failure)), null);
    }

    private ErrorInfo describeHttp(HttpOperationFailedException http) {
        int status = http.getStatusCode();
        if (status == 401) {
            return new ErrorInfo("authentication_error", "HTTP 401: the API rejected the credentials; check "
                    + "llm.api-key / OPENAI_API_KEY (the key itself is never shown)", status);
        }
        String type = "http_error";
        String message = "HTTP " + status + (http.getStatusText() == null ? "" : " " + http.getStatusText());
        String body = http.getResponseBody();
        if (body != null && !body.isBlank()) {
            try {
                JsonNode error = JSON.readTree(body).path("error");
                if (error.hasNonNull("type")) {
                    type = error.get("type").asText();
                } else if (error.hasNonNull("code")) {
                    type = error.get("code").asText();
                }
                if (error.hasNonNull("message")) {
                    message = message + ": " + truncate(error.get("message").asText());
                }
            } catch (IOException | RuntimeException notJson) {
                message = message + ": " + truncate(body.replaceAll("\\s+", " "));
            }
        }
        return new ErrorInfo(type, scrub(message), status);
    }

    /** Removes the API key from any text that came from a server or an exception. */
    String scrub(String text) {
        if (text == null || apiKey.length() < 4) {
            return text;
        }
        return text.replace(apiKey, "***");
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

    private static String truncate(String s) {
        return s.length() <= 500 ? s : s.substring(0, 500) + "…";
    }

}
