package io.github.camelllm.openai;

import org.apache.camel.AsyncCallback;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * One chat-completions attempt over the JDK's own HTTP client ({@link JdkHttp}), the default client.
 * <ul>
 *   <li>The route hands the attempt to one of the pipeline's call threads and goes on when the answer (or its
 *   failure) arrives, on that thread. There are as many as {@code llm.concurrency} (the call slots bound the
 *   calls in flight), started when needed and reused, so a host's thread count does not grow with the answers
 *   whatever its number of cores (see {@link JdkHttp} for why the JDK's {@code sendAsync} would).</li>
 *   <li>The key, the base URL, the body caps and the whole-answer deadline are the edge's ({@link OpenAiHttp}).</li>
 *   <li>Every outcome is reported to the {@link CallOutcomes}, which learn the rate limits and the API's health
 *   from it.</li>
 * </ul>
 * A usable answer leaves its body (bytes) on the message; anything else fails the exchange with an
 * {@link ApiException} (status, headers, classified body), an {@link InvalidResponseException} or an
 * {@link IOException}, for the error handler.
 */
public final class ChatClient extends ChatCallProcessor {

    private final JdkHttp http;
    private final ChatAnswers answers;
    private final Executor callThreads;

    /**
     * @param http        the JDK client of the edge
     * @param callThreads the threads that wait for answers: bounded, {@code llm.concurrency} and a few for probes
     */
    public ChatClient(JdkHttp http, CallOutcomes outcomes, Executor callThreads) {
        this.http = http;
        this.answers = new ChatAnswers(outcomes);
        this.callThreads = callThreads;
    }

    @Override
    protected boolean send(CallState call, BiConsumer<byte[], Exception> outcome, AsyncCallback callback) {
        HttpRequest request;
        try {
            request = http.api().request(call.request().endpoint().path())
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(call.request().body()))
                    .build();
            callThreads.execute(() -> attempt(call, request, outcome, callback));
        } catch (RuntimeException e) { // a request the client refuses, or call threads that have stopped
            outcome.accept(null, answers.cannotSend(call, e));
            callback.done(true);
            return true;
        }
        return false;
    }

    /** On a call thread: sends, waits for the whole answer, reports it, and lets the route go on. */
    private void attempt(CallState call, HttpRequest request, BiConsumer<byte[], Exception> outcome,
                         AsyncCallback callback) {
        try {
            call.startAttempt(System.nanoTime());
            JdkHttp.Answer answer = http.exchange(request);
            Exception refused = answers.answered(call, answer.status(), answer.contentType(), answer.headerValues(),
                    answer.body());
            outcome.accept(refused == null ? answer.body() : null, refused);
        } catch (InvalidResponseException e) {
            outcome.accept(null, answers.tooLarge(call, e));
        } catch (IOException e) {
            outcome.accept(null, answers.unanswered(call, e));
        } catch (RuntimeException e) {
            outcome.accept(null, e);
        } finally {
            callback.done(false);
        }
    }
}
