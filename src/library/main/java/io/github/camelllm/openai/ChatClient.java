package io.github.camelllm.openai;

import io.github.camelllm.config.ApiConfig;
import io.github.camelllm.config.CallConfig;
import io.github.camelllm.flow.CallGate;
import org.apache.camel.AsyncCallback;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * One chat-completions attempt over the JDK's own HTTP client, without holding a thread while the server
 * thinks: the call is sent, the route goes on when the answer (or its failure) arrives.
 * <ul>
 *   <li>The client is the pipeline's own: the key is added here, only to requests for the configured base URL
 *   (redirects are not followed), and never becomes a message header, a log line or a Camel property.</li>
 *   <li>{@code llm.timeout.response-ms} is a deadline for the whole answer, first byte to last: a body that
 *   trickles in, or never ends, is cut there (a per-read socket timeout would never fire).</li>
 *   <li>Every answer is reported to the {@link CallGate}, which learns the rate limits and the API's health
 *   from it.</li>
 * </ul>
 * A 2xx answer leaves its body (bytes) on the message; anything else fails the exchange with an
 * {@link ApiException} (status, headers, classified body) or an {@link IOException}, for the error handler.
 */
public final class ChatClient extends ChatCallProcessor {

    private final URI endpoint;
    private final String authorization;
    private final long responseTimeoutMs;
    private final ResponseTimeouts timeouts;
    private final int maxResponseBytes;
    private final ChatAnswers answers;
    private final ScheduledExecutorService timer;
    private final HttpClient http;

    /** @param timeouts decides, at an attempt's deadline, whether to cut it or to wait on for its answer */
    public ChatClient(ApiConfig api, CallConfig calls, CallGate gate, ResponseTimeouts timeouts,
                      ScheduledExecutorService timer, ExecutorService io) {
        this.endpoint = URI.create(api.baseUrl() + "/chat/completions");
        this.authorization = ChatAnswers.authorization(api.apiKey());
        this.responseTimeoutMs = calls.responseTimeout().toMillis();
        this.timeouts = timeouts;
        this.maxResponseBytes = calls.maxResponseBytes();
        this.answers = new ChatAnswers(gate, api.apiKey(), timeouts);
        this.timer = timer;
        // HTTP/2 where the server offers it over TLS (many calls share a connection); plain http stays on
        // HTTP/1.1, since an h2c upgrade attempt confuses some servers and proxies
        this.http = HttpClient.newBuilder()
                .connectTimeout(calls.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version("https".equalsIgnoreCase(endpoint.getScheme()) ? HttpClient.Version.HTTP_2
                        : HttpClient.Version.HTTP_1_1)
                .executor(io)
                .build();
    }

    /**
     * Sends one attempt and hands its outcome to {@code outcome} (the body of a 2xx answer, or the failure),
     * after the gate has been told; then calls {@code callback}.
     */
    @Override
    protected boolean send(CallState call, BiConsumer<byte[], Exception> outcome, AsyncCallback callback) {
        // the client's own timeout is the last resort: the deadline below decides first
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofMillis(timeouts.hardLimitMs()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(call.request().body()));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        call.startAttempt(System.nanoTime());
        CompletableFuture<HttpResponse<byte[]>> answer;
        try {
            answer = http.sendAsync(request.build(), this::bodyOf);
        } catch (RuntimeException e) {
            outcome.accept(null, answers.cannotSend(call, e));
            callback.done(true);
            return true;
        }
        AtomicBoolean deadlinePassed = new AtomicBoolean();
        Runnable cut = () -> {
            deadlinePassed.set(true);
            answer.cancel(true);
        };
        AtomicReference<ScheduledFuture<?>> deadline = new AtomicReference<>();
        deadline.set(timer.schedule(() -> {
            if (!answer.isDone() && timeouts.keepWaiting()) {
                deadline.set(timer.schedule(cut, timeouts.hardLimitMs() - responseTimeoutMs, TimeUnit.MILLISECONDS));
            } else {
                cut.run();
            }
        }, responseTimeoutMs, TimeUnit.MILLISECONDS));
        answer.whenComplete((response, failure) -> {
            deadline.get().cancel(false);
            try {
                if (failure != null) {
                    outcome.accept(null, failed(call, unwrap(failure), deadlinePassed.get()));
                } else {
                    Exception refused = answered(call, response);
                    outcome.accept(refused == null ? response.body() : null, refused);
                }
            } catch (RuntimeException e) {
                outcome.accept(null, e);
            } finally {
                callback.done(false);
            }
        });
        return false;
    }

    private HttpResponse.BodySubscriber<byte[]> bodyOf(HttpResponse.ResponseInfo info) {
        return new CappedBody(ChatAnswers.bodyCap(info.statusCode(), maxResponseBytes),
                ChatAnswers.isSuccess(info.statusCode()));
    }

    /** Tells the gate about an HTTP answer; returns the failure for anything but a 2xx. */
    private Exception answered(CallState call, HttpResponse<byte[]> response) {
        return answers.answered(call, response.statusCode(),
                response.headers().firstValue("content-type").orElse(null),
                each -> response.headers().map().forEach((name, values) -> {
                    if (!values.isEmpty()) {
                        each.accept(name, values.get(0));
                    }
                }), response.body());
    }

    /** Tells the gate about an attempt that got no usable answer; returns the failure to report. */
    private Exception failed(CallState call, Throwable failure, boolean deadlinePassed) {
        boolean connectTimedOut = failure instanceof HttpConnectTimeoutException;
        return answers.failed(call, failure, deadlinePassed || failure instanceof CancellationException
                || (failure instanceof HttpTimeoutException && !connectTimedOut), connectTimedOut);
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
