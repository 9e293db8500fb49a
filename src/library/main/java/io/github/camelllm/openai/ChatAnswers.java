package io.github.camelllm.openai;

import io.github.camelllm.flow.CallGate;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * What every chat client does with an attempt's outcome, whatever HTTP library carried it: tell the
 * {@link CallGate} and turn anything but a usable 2xx answer into the failure the {@link FailurePolicy}
 * classifies. The clients differ only in how they send and read; this keeps their answers identical.
 */
final class ChatAnswers {

    /** Only the start of an error page is kept: enough for its message, without buffering a large page. */
    static final int ERROR_BODY_BYTES = 64 * 1024;

    /** The headers of an answer, each name with its first value, from whichever client read them. */
    @FunctionalInterface
    interface Headers {
        void forEach(BiConsumer<String, String> nameAndFirstValue);
    }

    private final CallGate gate;
    private final long responseTimeoutMs;
    private final UnaryOperator<String> scrub;
    private final ResponseTimeouts timeouts;

    /**
     * @param apiKey   the key, removed from every text that comes back (a server or a gateway may echo it)
     * @param timeouts told how long each answer took, and of every attempt cut at its deadline
     */
    ChatAnswers(CallGate gate, String apiKey, ResponseTimeouts timeouts) {
        this.gate = gate;
        this.responseTimeoutMs = timeouts.timeoutMs();
        this.scrub = FailurePolicy.scrubber(apiKey);
        this.timeouts = timeouts;
    }

    /** The Authorization header for this key, or null for none (a local server without a key). */
    static String authorization(String apiKey) {
        return apiKey == null || apiKey.isBlank() ? null : "Bearer " + apiKey.trim();
    }

    /** The body cap for an answer with this status: a 2xx answer is refused past it, an error page only cut. */
    static int bodyCap(int status, int maxResponseBytes) {
        return isSuccess(status) ? maxResponseBytes : ERROR_BODY_BYTES;
    }

    static boolean isSuccess(int status) {
        return status >= 200 && status < 300;
    }

    /** Tells the gate about an HTTP answer; returns the failure for anything but a usable 2xx. */
    Exception answered(CallState call, int status, String contentType, Headers headers, byte[] body) {
        timeouts.answered((System.nanoTime() - call.sentNanos()) / 1_000_000);
        if (isSuccess(status) && !isHtml(contentType)) {
            gate.answered(call, rateLimitHeaders(headers), null);
            return null;
        }
        ApiFailure failure = ApiFailure.of(status, allHeaders(headers), body, scrub);
        gate.answered(call, failure.headers(), failure);
        return new ApiException(failure);
    }

    /**
     * Tells the gate about an attempt that got no usable answer; returns the failure to report.
     *
     * @param timedOut        the whole-response deadline passed (or the client's own response timeout fired)
     * @param connectTimedOut no connection within {@code llm.timeout.connect-ms}
     */
    Exception failed(CallState call, Throwable failure, boolean timedOut, boolean connectTimedOut) {
        if (failure instanceof InvalidResponseException invalid) {
            gate.answered(call, Map.of(), null); // the server answered, only too much
            return invalid;
        }
        IOException io;
        if (timedOut) {
            timeouts.cut();
            io = new SocketTimeoutException("no complete response within llm.timeout.response-ms="
                    + responseTimeoutMs + " ms");
        } else if (connectTimedOut) {
            io = new ConnectException("connect timed out (llm.timeout.connect-ms)");
        } else if (failure instanceof IOException e) {
            String message = e.getMessage();
            io = message != null && !message.equals(scrub.apply(message)) ? new IOException(scrub.apply(message)) : e;
        } else {
            io = new IOException(scrub.apply(failure.toString()));
        }
        gate.unanswered(call, describe(io));
        return io;
    }

    /** Tells the gate about a request the client would not even send; returns the failure to report. */
    IOException cannotSend(CallState call, RuntimeException e) {
        // the client's own message may quote a header it refuses, the Authorization header included
        String message = scrub.apply(e.getMessage());
        gate.unanswered(call, "cannot send: " + message);
        return new IOException("cannot send the request: " + message);
    }

    private static String describe(IOException e) {
        String name = e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
        return e.getMessage() == null ? name : name + ": " + e.getMessage();
    }

    /**
     * A web page where an API answer belongs: the base URL leads to a website or a login portal, not to an
     * OpenAI-compatible API, and every other prompt would get the same page.
     */
    static boolean isHtml(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/html");
    }

    /** Only what the gate reads from a successful answer: no per-call copy of every header. */
    private static Map<String, String> rateLimitHeaders(Headers headers) {
        Map<String, String> out = new HashMap<>(8);
        headers.forEach((name, value) -> {
            if (name.regionMatches(true, 0, "x-ratelimit-", 0, 12)) {
                out.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
            }
        });
        return out;
    }

    private static Map<String, String> allHeaders(Headers headers) {
        Map<String, String> out = new HashMap<>();
        headers.forEach(out::putIfAbsent);
        return out;
    }
}
