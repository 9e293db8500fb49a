package io.github.camelllm.openai;

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
 * One chat-completions attempt over Vert.x's HTTP client (Netty event loops), the one {@code llm.http.client=auto}
 * takes when vertx-core is on the class path (or chosen with {@code vertx}) instead of {@link ChatClient}; same
 * contract, same answers (both go through {@link ChatAnswers}), same edge ({@link OpenAiHttp}: base URL, key,
 * version policy, caps, refusals):
 * <ul>
 *   <li>The key is added only to requests for the configured base URL; redirects are not followed.</li>
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
    private final OpenAiHttp api;
    private final String host;
    private final int port;
    private final boolean tls;
    private final String path;
    private final CharSequence authorization;
    private final ChatAnswers answers;
    private final ResponseTimeouts timeouts;

    /**
     * @param api            the edge: base URL, key, timeouts, body caps
     * @param maxConnections the pool's size: {@code llm.concurrency}, so every call slot has its connection
     * @param eventLoops     event-loop threads of the client's own Vert.x instance
     */
    public VertxChatClient(OpenAiHttp api, CallOutcomes outcomes, int maxConnections, int eventLoops) {
        this(api, outcomes, maxConnections, eventLoops, new ResponseTimeouts(api.responseTimeoutMs()));
    }

    /** @param timeouts decides, at an attempt's deadline, whether to cut it or to wait on for its answer */
    public VertxChatClient(OpenAiHttp api, CallOutcomes outcomes, int maxConnections, int eventLoops,
                           ResponseTimeouts timeouts) {
        this.api = api;
        this.timeouts = timeouts;
        URI endpoint = api.uri("/chat/completions");
        this.tls = api.tls();
        this.host = endpoint.getHost();
        this.port = endpoint.getPort() >= 0 ? endpoint.getPort() : tls ? 443 : 80;
        this.path = endpoint.getRawQuery() == null ? endpoint.getRawPath()
                : endpoint.getRawPath() + "?" + endpoint.getRawQuery();
        String auth = api.authorization();
        this.authorization = auth == null ? null : HttpHeaders.createOptimized(auth);
        this.answers = new ChatAnswers(outcomes, api, timeouts);
        // nothing of the pipeline runs blocking code on Vert.x's worker pools: keep them minimal
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        HttpClientOptions options = new HttpClientOptions()
                .setConnectTimeout((int) Math.min(api.connectTimeoutMs(), Integer.MAX_VALUE))
                .setKeepAlive(true)
                .setPipelining(false); // one call per connection at a time: a slow answer holds up no other
        if (tls) {
            options.setProtocolVersion(HttpVersion.HTTP_2).setUseAlpn(true); // the edge's version policy
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
            attempt.deadline = vertx.setTimer(api.responseTimeoutMs(), attempt::expire);
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
            boolean refuseLarger = OpenAiHttp.usable(response.statusCode(),
                    response.getHeader(HttpHeaders.CONTENT_TYPE));
            int cap = api.bodyCap(refuseLarger);
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
                    fail(OpenAiHttp.tooLarge(cap));
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
                deadline = vertx.setTimer(timeouts.hardLimitMs() - api.responseTimeoutMs(), this::expire);
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
                outcome.accept(null, failure instanceof InvalidResponseException tooLarge
                        ? answers.tooLarge(call, tooLarge)
                        : answers.unanswered(call, api.noAnswer(null, failure,
                                deadlinePassed || failure instanceof TimeoutException,
                                failure instanceof io.netty.channel.ConnectTimeoutException)));
            } catch (RuntimeException e) {
                outcome.accept(null, e);
            } finally {
                callback.done(false);
            }
        }
    }
}
