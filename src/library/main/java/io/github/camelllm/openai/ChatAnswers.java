package io.github.camelllm.openai;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.util.Map;

/**
 * What every chat client does with an attempt's outcome, whatever HTTP library carried it: report it to the
 * {@link CallOutcomes} and turn anything but a usable answer into the failure the pipeline's retry policy
 * classifies. The clients differ only in how they send and read; this keeps their answers identical.
 */
final class ChatAnswers {

    private final CallOutcomes outcomes;
    private final OpenAiHttp api;
    private final ResponseTimeouts timeouts;

    /**
     * @param api      the edge: it classifies a refusal and removes the key from every text that comes back
     * @param timeouts told how long each answer took, and of every attempt cut at its deadline
     */
    ChatAnswers(CallOutcomes outcomes, OpenAiHttp api, ResponseTimeouts timeouts) {
        this.outcomes = outcomes;
        this.api = api;
        this.timeouts = timeouts;
    }

    /** Reports an HTTP answer; returns the failure for anything but a usable one, null for a usable one. */
    Exception answered(CallState call, int status, String contentType, OpenAiHttp.Headers headers, byte[] body) {
        timeouts.answered((System.nanoTime() - call.sentNanos()) / 1_000_000);
        if (OpenAiHttp.usable(status, contentType)) {
            outcomes.answered(call, OpenAiHttp.rateLimitHeaders(headers), null);
            return null;
        }
        ApiException refused = api.refused(status, headers, body);
        outcomes.answered(call, refused.headers(), refused.failure());
        return refused;
    }

    /** Reports a usable answer that was too large to read. */
    Exception tooLarge(CallState call, InvalidResponseException invalid) {
        outcomes.answered(call, Map.of(), null); // the server answered, only too much
        return invalid;
    }

    /** Reports an attempt that got no answer ({@link OpenAiHttp#noAnswer} made the failure); returns it. */
    IOException unanswered(CallState call, IOException failure) {
        if (failure instanceof SocketTimeoutException) {
            timeouts.cut(); // the deadline passed (OpenAiHttp#noAnswer names it so)
        }
        outcomes.unanswered(call, describe(failure));
        return failure;
    }

    /** Reports a request the client would not even send; returns the failure to report. */
    IOException cannotSend(CallState call, RuntimeException e) {
        // the client's own message may quote a header it refuses, the Authorization header included
        String message = api.scrub(e.getMessage());
        outcomes.unanswered(call, "cannot send: " + message);
        return new IOException("cannot send the request: " + message);
    }

    private static String describe(IOException e) {
        String name = e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
        return e.getMessage() == null ? name : name + ": " + e.getMessage();
    }
}
