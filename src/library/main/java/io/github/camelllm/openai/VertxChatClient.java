package io.github.camelllm.openai;

import io.github.camelllm.config.ApiConfig;
import io.github.camelllm.config.CallConfig;
import io.github.camelllm.flow.CallGate;
import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.apache.camel.AsyncCallback;

import java.io.IOException;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

/**
 * One chat-completions attempt over Vert.x's HTTP client (Netty event loops), the alternative to
 * {@link ChatClient} chosen with {@code llm.http.client=vertx}; same contract, same answers (both go through
 * {@link ChatAnswers}):
 * <ul>
 *   <li>The key is added here, only to requests for the configured base URL; redirects are not followed.</li>
 *   <li>{@code llm.timeout.response-ms} is a deadline for the whole answer, first byte to last; when it passes,
 *   the request is reset (its connection closed), so a trickling body cannot hold the call.</li>
 *   <li>A body past its cap is not read further: the connection is dropped instead of draining it.</li>
 * </ul>
 * Answers are completed on the event loop that read them, so the route goes on there without a hand-off.
 * It owns its Vert.x instance: {@link #close()} when the pipeline stops.
 */
public final class VertxChatClient extends ChatCallProcessor implements AutoCloseable {

    private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

    private final Vertx vertx;
    private final HttpClientAgent http;
    private final String host;
    private final int port;
    private final boolean tls;
    private final String path;
    private final CharSequence authorization;
    private final long responseTimeoutMs;
    private final ResponseTimeouts timeouts;
    private final int maxResponseBytes;
    private final ChatAnswers answers;

    /**
     * @param maxConnections the pool's size: {@code llm.concurrency}, so every call slot has its connection
     * @param eventLoops     event-loop threads of the client's own Vert.x instance
     */
    public VertxChatClient(ApiConfig api, CallConfig calls, int eventLoops, CallGate gate,
                           ResponseTimeouts timeouts) {
        URI endpoint = URI.create(api.baseUrl() + "/chat/completions");
        int maxConnections = calls.concurrency();
        long responseTimeoutMs = calls.responseTimeout().toMillis();
        this.tls = "https".equalsIgnoreCase(endpoint.getScheme());
        this.host = endpoint.getHost();
        this.port = endpoint.getPort() >= 0 ? endpoint.getPort() : tls ? 443 : 80;
        this.path = endpoint.getRawQuery() == null ? endpoint.getRawPath()
                : endpoint.getRawPath() + "?" + endpoint.getRawQuery();
        String auth = ChatAnswers.authorization(api.apiKey());
        this.authorization = auth == null ? null : HttpHeaders.createOptimized(auth);
        this.responseTimeoutMs = responseTimeoutMs;
        this.timeouts = timeouts;
        this.maxResponseBytes = calls.maxResponseBytes();
        this.answers = new ChatAnswers(gate, api.apiKey(), timeouts);
        // nothing of the pipeline runs blocking code on Vert.x's worker pools: keep them minimal
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        HttpClientOptions options = new HttpClientOptions()
                .setConnectTimeout((int) Math.min(calls.connectTimeout().toMillis(), Integer.MAX_VALUE))
                .setKeepAlive(true)
                .setPipelining(false); // one call per connection at a time: a slow answer holds up no other
        if (tls) {
            // HTTP/2 where the server offers it (ALPN), else HTTP/1.1; plain http stays on HTTP/1.1, since an
            // h2c upgrade attempt confuses some servers and proxies
            options.setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true);
        }
        PoolOptions pool = new PoolOptions().setHttp1MaxSize(Math.max(1, maxConnections))
                // a server allows about a hundred streams per HTTP/2 connection
                .setHttp2MaxSize(Math.max(1, maxConnections / 100))
                .setEventLoopSize(eventLoops);
        this.http = vertx.httpClientBuilder().with(options).with(pool).build();
    }

    /** Closes the connections and stops the event loops; calls still in flight fail as closed. */
    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // stopping anyway: nothing is left to send, and the event loops do not keep the JVM alive
        }
    }

    @Override
    protected boolean send(CallState call, BiConsumer<byte[], Exception> outcome, AsyncCallback callback) {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setHost(host).setPort(port)
                .setSsl(tls).setURI(path).setFollowRedirects(false)
                .putHeader(HttpHeaders.CONTENT_TYPE, JSON);
        if (authorization != null) {
            request.putHeader(HttpHeaders.AUTHORIZATION, authorization);
        }
        call.startAttempt(System.nanoTime());
        Attempt attempt = new Attempt(call, outcome, callback);
        try {
            attempt.deadline = vertx.setTimer(responseTimeoutMs, attempt::expire);
            http.request(request).onComplete(attempt::requested);
        } catch (RuntimeException e) {
            if (attempt.finished.compareAndSet(false, true)) {
                vertx.cancelTimer(attempt.deadline);
                outcome.accept(null, answers.cannotSend(call, e));
                callback.done(true);
                return true;
            }
        }
        return false;
    }

    /**
     * One attempt's progress. Its events come from the event loops (the connection's and the deadline's, which
     * may differ), so it ends exactly once, whichever comes first.
     */
    private final class Attempt {
        final CallState call;
        final BiConsumer<byte[], Exception> outcome;
        final AsyncCallback callback;
        final AtomicBoolean finished = new AtomicBoolean();
        volatile long deadline;
        volatile boolean deadlinePassed;
        /** The deadline passed once and the attempt waits on: the next expiry cuts it. */
        volatile boolean waitedOn;
        volatile HttpClientRequest request;

        Attempt(CallState call, BiConsumer<byte[], Exception> outcome, AsyncCallback callback) {
            this.call = call;
            this.outcome = outcome;
            this.callback = callback;
        }

        void requested(AsyncResult<HttpClientRequest> connected) {
            if (connected.failed()) {
                fail(connected.cause());
                return;
            }
            HttpClientRequest req = connected.result();
            request = req;
            if (finished.get()) {
                req.reset(); // the deadline passed while waiting for a connection
                return;
            }
            req.send(Buffer.buffer(call.request().body())).onComplete(this::responded);
        }

        void responded(AsyncResult<HttpClientResponse> started) {
            if (started.failed()) {
                fail(started.cause());
                return;
            }
            HttpClientResponse response = started.result();
            int status = response.statusCode();
            boolean refuseLarger = ChatAnswers.isSuccess(status);
            int cap = ChatAnswers.bodyCap(status, maxResponseBytes);
            Buffer body = Buffer.buffer();
            response.exceptionHandler(this::fail);
            response.handler(chunk -> {
                if (finished.get()) {
                    return;
                }
                if ((long) body.length() + chunk.length() <= cap) {
                    body.appendBuffer(chunk);
                    return;
                }
                if (refuseLarger) {
                    fail(new InvalidResponseException("response is larger than llm.response.max-bytes=" + cap));
                } else {
                    body.appendBuffer(chunk, 0, cap - body.length()); // only the start of an error page
                    answered(response, body);
                }
                response.request().reset(); // not worth reading on: drop the connection
            });
            response.endHandler(end -> answered(response, body));
        }

        void expire(long timerId) {
            if (!finished.get() && !waitedOn && timeouts.keepWaiting()) {
                waitedOn = true;
                deadline = vertx.setTimer(timeouts.hardLimitMs() - responseTimeoutMs, this::expire);
                return;
            }
            deadlinePassed = true;
            HttpClientRequest req = request;
            fail(new TimeoutException());
            if (req != null) {
                req.reset(); // the answer is abandoned: its connection is closed, not returned to the pool
            }
        }

        private void answered(HttpClientResponse response, Buffer body) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            vertx.cancelTimer(deadline);
            try {
                byte[] bytes = body.getBytes();
                Exception refused = answers.answered(call, response.statusCode(),
                        response.getHeader(HttpHeaders.CONTENT_TYPE),
                        each -> response.headers().forEach(header -> each.accept(header.getKey(), header.getValue())),
                        bytes);
                outcome.accept(refused == null ? bytes : null, refused);
            } catch (RuntimeException e) {
                outcome.accept(null, e);
            } finally {
                callback.done(false);
            }
        }

        private void fail(Throwable failure) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            vertx.cancelTimer(deadline);
            try {
                outcome.accept(null, answers.failed(call, failure,
                        deadlinePassed || failure instanceof TimeoutException,
                        failure instanceof io.netty.channel.ConnectTimeoutException));
            } catch (RuntimeException e) {
                outcome.accept(null, e);
            } finally {
                callback.done(false);
            }
        }
    }
}
