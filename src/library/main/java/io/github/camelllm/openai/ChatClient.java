package io.github.camelllm.openai;

import org.apache.camel.AsyncCallback;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/**
 * One chat-completions attempt over the JDK's own HTTP client ({@link JdkHttp}), without holding a thread while
 * the server thinks: the call is sent, and the route goes on when the answer (or its failure) arrives.
 * <ul>
 *   <li>The key, the base URL, the body caps and the whole-answer deadline are the edge's ({@link OpenAiHttp}).</li>
 *   <li>Every outcome is reported to the {@link CallOutcomes}, which learn the rate limits and the API's health
 *   from it.</li>
 *   <li>The answer arrives on CompletableFuture's default executor (see {@link JdkHttp}): the common pool, or a
 *   new thread per answer where its parallelism is 1. {@code llm.http.client=auto} prefers {@link VertxChatClient},
 *   whose answers arrive on its event loop, whenever Vert.x is on the class path.</li>
 * </ul>
 * A usable answer leaves its body (bytes) on the message; anything else fails the exchange with an
 * {@link ApiException} (status, headers, classified body), an {@link InvalidResponseException} or an
 * {@link IOException}, for the error handler.
 */
public final class ChatClient extends ChatCallProcessor {

    private final JdkHttp http;
    private final ChatAnswers answers;
    private final ResponseTimeouts timeouts;

    /** @param http the JDK client of the edge */
    public ChatClient(JdkHttp http, CallOutcomes outcomes) {
        this(http, outcomes, new ResponseTimeouts(http.api().responseTimeoutMs()));
    }

    /** @param timeouts decides, at an attempt's deadline, whether to cut it or to wait on for its answer */
    public ChatClient(JdkHttp http, CallOutcomes outcomes, ResponseTimeouts timeouts) {
        this.http = http;
        this.timeouts = timeouts;
        this.answers = new ChatAnswers(outcomes, http.api(), timeouts);
    }

    @Override
    protected boolean send(CallState call, BiConsumer<byte[], Exception> outcome, AsyncCallback callback) {
        CompletableFuture<JdkHttp.Answer> answer;
        try {
            HttpRequest request = http.api().request("/chat/completions")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(call.request().body()))
                    // the client's own timeout is the last resort: the deadline of JdkHttp#answer decides first
                    .timeout(java.time.Duration.ofMillis(timeouts.hardLimitMs()))
                    .build();
            call.startAttempt(System.nanoTime());
            answer = http.answer(request, timeouts);
        } catch (RuntimeException e) { // a request the client refuses before sending it
            outcome.accept(null, answers.cannotSend(call, e));
            callback.done(true);
            return true;
        }
        answer.whenComplete((response, failure) -> {
            try {
                if (failure == null) {
                    Exception refused = answers.answered(call, response.status(), response.contentType(),
                            response.headerValues(), response.body());
                    outcome.accept(refused == null ? response.body() : null, refused);
                } else if (failure instanceof InvalidResponseException tooLarge) {
                    outcome.accept(null, answers.tooLarge(call, tooLarge));
                } else {
                    // JdkHttp fails an answer with one of these two only; anything else is no answer either
                    IOException noAnswer = failure instanceof IOException e ? e : new IOException(failure);
                    outcome.accept(null, answers.unanswered(call, noAnswer));
                }
            } catch (RuntimeException e) {
                outcome.accept(null, e);
            } finally {
                callback.done(false);
            }
        });
        return false;
    }
}
