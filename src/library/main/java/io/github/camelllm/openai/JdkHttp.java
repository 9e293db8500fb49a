package io.github.camelllm.openai;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The JDK client's side of the {@link OpenAiHttp} edge: chat calls ({@link #answer}, sent without holding a thread
 * while the server thinks) and the Files and Batches API calls ({@link #exchange}, {@link #json},
 * {@link #download}, on the batch route's own thread, which waits).
 * <ul>
 *   <li>A whole answer must arrive within {@code llm.timeout.response-ms}: the request's own timeout covers the
 *   headers, a timer aborts a body still arriving at the deadline (a trickling body cannot hold the call).</li>
 *   <li>A download must start within it, then may take as long as it keeps moving: it fails when no byte
 *   arrives for {@code llm.timeout.response-ms} ({@link StallGuard}).</li>
 * </ul>
 * Where an asynchronous answer completes: the JDK client hands every {@code sendAsync} result to
 * CompletableFuture's default executor (HttpClientImpl: {@code res.whenCompleteAsync(..., ASYNC_POOL)}, whatever
 * executor the builder was given), so the route goes on there. That is the common ForkJoinPool, except where its
 * parallelism is 1 (one or two cores, or set so): there it is a new thread for every answer, which the pipeline
 * says at start (see {@code llm.http.client}).
 */
public final class JdkHttp {

    /** An answer read whole: status, headers and the (capped) body. */
    public record Answer(int status, HttpHeaders headers, byte[] body) {

        public String contentType() {
            return headers.firstValue("content-type").orElse(null);
        }

        /** A 2xx that is not a web page. */
        public boolean usable() {
            return OpenAiHttp.usable(status, contentType());
        }

        public OpenAiHttp.Headers headerValues() {
            return OpenAiHttp.Headers.of(headers);
        }
    }

    private final OpenAiHttp api;
    private final HttpClient http;
    private final ScheduledExecutorService timer;

    /**
     * @param io    the client's own work: connect, write, read, deliver the body
     * @param timer the deadlines of answers and the stall watch of downloads
     */
    public JdkHttp(OpenAiHttp api, Executor io, ScheduledExecutorService timer) {
        this.api = api;
        this.http = api.jdkClient(io);
        this.timer = timer;
    }

    public OpenAiHttp api() {
        return api;
    }

    /**
     * Sends without waiting: the future completes with the whole answer, usable or not, or fails with an
     * {@link InvalidResponseException} (a usable answer larger than {@code llm.response.max-bytes}) or an
     * {@link IOException} (no answer: refused or reset connection, a timeout named by its setting). A request the
     * client refuses outright throws here, before anything is sent.
     */
    public CompletableFuture<Answer> answer(HttpRequest request) {
        return answer(request, null);
    }

    /**
     * As {@link #answer(HttpRequest)}, with a say at the deadline: {@code timeouts} decides whether the attempt is
     * cut then or waits on for the answer the server is computing, up to {@link ResponseTimeouts#hardLimitMs()}
     * (the request's own timeout must then be that limit).
     *
     * @param timeouts null: cut at {@code llm.timeout.response-ms}
     */
    public CompletableFuture<Answer> answer(HttpRequest request, ResponseTimeouts timeouts) {
        Deadline deadline = new Deadline();
        CompletableFuture<HttpResponse<byte[]>> sent = http.sendAsync(request, deadline::reading);
        AtomicReference<ScheduledFuture<?>> watch = new AtomicReference<>();
        if (timeouts == null) {
            watch.set(timer.schedule(deadline::expire, api.responseTimeoutMs(), TimeUnit.MILLISECONDS));
        } else {
            Runnable cut = () -> {
                deadline.expire();
                sent.cancel(true); // no headers yet: the request's own timeout is the hard limit, not this deadline
            };
            watch.set(timer.schedule(() -> {
                if (!sent.isDone() && timeouts.keepWaiting()) {
                    watch.set(timer.schedule(cut, timeouts.hardLimitMs() - api.responseTimeoutMs(),
                            TimeUnit.MILLISECONDS));
                } else {
                    cut.run();
                }
            }, api.responseTimeoutMs(), TimeUnit.MILLISECONDS));
        }
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        sent.whenComplete((response, failure) -> {
            watch.get().cancel(false);
            if (failure == null) {
                answer.complete(new Answer(response.statusCode(), response.headers(), response.body()));
            } else {
                answer.completeExceptionally(failed(request, unwrap(failure), deadline));
            }
        });
        return answer;
    }

    /**
     * Sends and waits on this thread for the whole answer, usable or not.
     *
     * @throws InvalidResponseException a usable answer larger than {@code llm.response.max-bytes}
     * @throws IOException              no answer: refused or reset connection, a timeout (named by its setting)
     */
    public Answer exchange(HttpRequest request) throws IOException, InvalidResponseException {
        Deadline deadline = new Deadline();
        ScheduledFuture<?> watch = timer.schedule(deadline::expire, api.responseTimeoutMs(), TimeUnit.MILLISECONDS);
        try {
            HttpResponse<byte[]> response = http.send(request, deadline::reading);
            return new Answer(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            Exception failure = failed(request, e, deadline);
            if (failure instanceof InvalidResponseException tooLarge) {
                throw tooLarge;
            }
            throw (IOException) failure;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(what(request) + ": interrupted (the pipeline is stopping)");
        } finally {
            watch.cancel(false);
        }
    }

    /** A failed exchange as the failure to report: a body refused past its cap, or no answer (named). */
    private Exception failed(HttpRequest request, Throwable failure, Deadline deadline) {
        InvalidResponseException tooLarge = causeOf(failure, InvalidResponseException.class);
        if (tooLarge != null && !deadline.passed) {
            return tooLarge;
        }
        return noAnswer(request, failure, deadline.passed);
    }

    /**
     * A JSON answer of the Files or Batches API, whole.
     *
     * @throws ApiException anything but a usable answer
     */
    public byte[] json(HttpRequest request) throws IOException, InvalidResponseException {
        Answer answer = exchange(request);
        if (!answer.usable()) {
            throw api.refused(answer.status(), answer.headerValues(), answer.body());
        }
        return answer.body();
    }

    /**
     * A file's content as a stream, never held in memory: the headers must arrive within
     * {@code llm.timeout.response-ms}, then the body fails only when no byte arrives for as long.
     *
     * @throws ApiException anything but a usable answer (of which only the start is read)
     */
    public InputStream download(HttpRequest request) throws IOException {
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, info -> OpenAiHttp.usable(info.statusCode(),
                    info.headers().firstValue("content-type").orElse(null))
                    ? HttpResponse.BodySubscribers.ofInputStream()
                    : HttpResponse.BodySubscribers.mapping(new CappedBody(api.bodyCap(false), false),
                    ByteArrayInputStream::new));
        } catch (IOException e) {
            throw noAnswer(request, e, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(what(request) + ": interrupted (the pipeline is stopping)");
        }
        if (!OpenAiHttp.usable(response.statusCode(), response.headers().firstValue("content-type").orElse(null))) {
            byte[] page;
            try (InputStream in = response.body()) {
                page = in.readAllBytes();
            }
            throw api.refused(response.statusCode(), OpenAiHttp.Headers.of(response.headers()), page);
        }
        return new StallGuard(response.body(), api.responseTimeoutMs(), timer);
    }

    private IOException noAnswer(HttpRequest request, Throwable e, boolean deadlinePassed) {
        boolean connectTimedOut = e instanceof HttpConnectTimeoutException;
        return api.noAnswer(what(request), e, deadlinePassed || (e instanceof HttpTimeoutException && !connectTimedOut),
                connectTimedOut);
    }

    private static String what(HttpRequest request) {
        return request.method() + " " + request.uri().getPath();
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static <T extends Throwable> T causeOf(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** One answer's deadline: once it passes, the body being read (or the next one) is aborted. */
    private final class Deadline {
        volatile boolean passed;
        private CappedBody body;

        /** The body of an answer whose headers arrived: read up to its cap, aborted if the deadline has passed. */
        synchronized HttpResponse.BodySubscriber<byte[]> reading(HttpResponse.ResponseInfo info) {
            body = api.body(info, true);
            if (passed) {
                body.abort(new HttpTimeoutException("llm.timeout.response-ms passed"));
            }
            return body;
        }

        synchronized void expire() {
            passed = true;
            if (body != null) {
                body.abort(new HttpTimeoutException("llm.timeout.response-ms passed"));
            }
        }
    }
}
