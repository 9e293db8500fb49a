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
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
            exchange.setException(new IOException("cannot send the request: " + e.getMessage(), e));
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
                    failed(exchange, call, unwrap(failure), deadlinePassed.get());
                } else {
                    answered(exchange, call, response);
                }
            } catch (RuntimeException e) {
                exchange.setException(e);
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

    private void answered(Exchange exchange, CallState call, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            gate.answered(call, rateLimitHeaders(response), null);
            exchange.getMessage().setBody(response.body());
            return;
        }
        ApiFailure failure = ApiFailure.of(status, allHeaders(response), response.body());
        gate.answered(call, failure.headers(), failure);
        exchange.setException(new ApiException(failure));
    }

    private void failed(Exchange exchange, CallState call, Throwable failure, boolean deadlinePassed) {
        if (failure instanceof InvalidResponseException invalid) {
            gate.answered(call, Map.of(), null); // the server answered, only too much
            exchange.setException(invalid);
            return;
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
        exchange.setException(io);
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

    /** Only what the gate reads from a successful answer: no per-call copy of every header. */
    private static Map<String, String> rateLimitHeaders(HttpResponse<?> response) {
        Map<String, String> out = new HashMap<>(8);
        response.headers().map().forEach((name, values) -> {
            if (!values.isEmpty() && name.regionMatches(true, 0, "x-ratelimit-", 0, 12)) {
                out.put(name.toLowerCase(java.util.Locale.ROOT), values.get(0));
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
