package io.github.camelllm.openai;

import io.github.camelllm.flow.CallGate;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
public final class ChatClient extends AsyncProcessorSupport {

    private static final int ERROR_BODY_BYTES = 64 * 1024;

    private final URI endpoint;
    private final String authorization;
    private final long responseTimeoutMs;
    private final int maxResponseBytes;
    private final CallGate gate;
    private final ScheduledExecutorService timer;
    private final HttpClient http;

    public ChatClient(String baseUrl, String apiKey, long connectTimeoutMs, long responseTimeoutMs,
                      int maxResponseBytes, CallGate gate, ScheduledExecutorService timer, ExecutorService io) {
        this.endpoint = URI.create(baseUrl + "/chat/completions");
        this.authorization = apiKey == null || apiKey.isBlank() ? null : "Bearer " + apiKey.trim();
        this.responseTimeoutMs = responseTimeoutMs;
        this.maxResponseBytes = maxResponseBytes;
        this.gate = gate;
        this.timer = timer;
        // HTTP/2 where the server offers it over TLS (many calls share a connection); plain http stays on
        // HTTP/1.1, since an h2c upgrade attempt confuses some servers and proxies
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis(connectTimeoutMs))
                .followRedirects(HttpClient.Redirect.NEVER)
                .version("https".equalsIgnoreCase(endpoint.getScheme()) ? HttpClient.Version.HTTP_2
                        : HttpClient.Version.HTTP_1_1)
                .executor(io)
                .build();
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        CallState call = exchange.getProperty(CallState.PROPERTY, CallState.class);
        return send(call, (body, failure) -> {
            if (failure != null) {
                exchange.setException(failure);
            } else {
                exchange.getMessage().setBody(body);
            }
        }, callback);
    }

    /** A probe of the gate's own: sent like a prompt, its answer only reported to the gate. */
    public void probe(CallState call) {
        send(call, (body, failure) -> {
        }, doneSync -> {
        });
    }

    /**
     * Sends one attempt and hands its outcome to {@code outcome} (the body of a 2xx answer, or the failure),
     * after the gate has been told; then calls {@code callback}.
     */
    private boolean send(CallState call, BiConsumer<byte[], Exception> outcome, AsyncCallback callback) {
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofMillis(responseTimeoutMs))
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
            gate.unanswered(call, "cannot send: " + e.getMessage());
            outcome.accept(null, new IOException("cannot send the request: " + e.getMessage(), e));
            callback.done(true);
            return true;
        }
        AtomicBoolean deadlinePassed = new AtomicBoolean();
        ScheduledFuture<?> deadline = timer.schedule(() -> {
            deadlinePassed.set(true);
            answer.cancel(true);
        }, responseTimeoutMs, TimeUnit.MILLISECONDS);
        answer.whenComplete((response, failure) -> {
            deadline.cancel(false);
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
        boolean ok = info.statusCode() >= 200 && info.statusCode() < 300;
        return new CappedBody(ok ? maxResponseBytes : ERROR_BODY_BYTES, ok);
    }

    /** Tells the gate about an HTTP answer; returns the failure for anything but a 2xx. */
    private Exception answered(CallState call, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        if (status >= 200 && status < 300 && !isHtml(response)) {
            gate.answered(call, rateLimitHeaders(response), null);
            return null;
        }
        ApiFailure failure = ApiFailure.of(status, allHeaders(response), response.body());
        gate.answered(call, failure.headers(), failure);
        return new ApiException(failure);
    }

    /** Tells the gate about an attempt that got no usable answer; returns the failure to report. */
    private Exception failed(CallState call, Throwable failure, boolean deadlinePassed) {
        if (failure instanceof InvalidResponseException invalid) {
            gate.answered(call, Map.of(), null); // the server answered, only too much
            return invalid;
        }
        IOException io;
        if (deadlinePassed || failure instanceof CancellationException
                || (failure instanceof HttpTimeoutException && !(failure instanceof HttpConnectTimeoutException))) {
            io = new SocketTimeoutException("no complete response within llm.timeout.response-ms="
                    + responseTimeoutMs + " ms");
        } else if (failure instanceof HttpConnectTimeoutException) {
            io = new ConnectException("connect timed out (llm.timeout.connect-ms)");
        } else if (failure instanceof IOException e) {
            io = e;
        } else {
            io = new IOException(failure.toString(), failure);
        }
        gate.unanswered(call, describe(io));
        return io;
    }

    private static String describe(IOException e) {
        String name = e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
        return e.getMessage() == null ? name : name + ": " + e.getMessage();
    }

    private static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof java.util.concurrent.ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * A web page where an API answer belongs: the base URL leads to a website or a login portal, not to an
     * OpenAI-compatible API, and every other prompt would get the same page.
     */
    private static boolean isHtml(HttpResponse<?> response) {
        return response.headers().firstValue("content-type").map(t -> t.toLowerCase(Locale.ROOT)
                .startsWith("text/html")).orElse(false);
    }

    /** Only what the gate reads from a successful answer: no per-call copy of every header. */
    private static Map<String, String> rateLimitHeaders(HttpResponse<?> response) {
        Map<String, String> out = new HashMap<>(8);
        response.headers().map().forEach((name, values) -> {
            if (!values.isEmpty() && name.regionMatches(true, 0, "x-ratelimit-", 0, 12)) {
                out.put(name.toLowerCase(Locale.ROOT), values.get(0));
            }
        });
        return out;
    }

    private static Map<String, String> allHeaders(HttpResponse<?> response) {
        Map<String, String> out = new HashMap<>();
        response.headers().map().forEach((name, values) -> {
            List<String> v = values;
            if (!v.isEmpty()) {
                out.put(name, v.get(0));
            }
        });
        return out;
    }
}
