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
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The JDK client's side of the {@link OpenAiHttp} edge: chat calls and the Files and Batches API calls go out
 * here, each on the calling thread with {@link HttpClient#send}.
 * <p>
 * Why {@code send} on a thread of the pipeline's own and not {@code sendAsync}: the JDK client completes every
 * {@code sendAsync} future with a last hop to CompletableFuture's default executor (HttpClientImpl, JDK 17 and 25:
 * {@code res.whenCompleteAsync(..., ASYNC_POOL)}, whatever executor the builder was given). With fewer than three
 * cores the common pool's parallelism is 1 and that executor starts a new thread for every task: a thread per
 * answer, which a host cannot avoid once ForkJoinPool is initialised. {@code send} takes no such hop: the caller
 * waits, the client's own executor does the I/O, and the answer arrives on the caller's thread.
 * <ul>
 *   <li>A whole answer must arrive within {@code llm.timeout.response-ms}: the request's own timeout covers the
 *   headers, a timer aborts a body still arriving at the deadline (a trickling body cannot hold the call).</li>
 *   <li>A download must start within it, then may take as long as it keeps moving: it fails when no byte
 *   arrives for {@code llm.timeout.response-ms} ({@link StallGuard}).</li>
 * </ul>
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
     * Sends and waits on this thread for the whole answer, usable or not.
     *
     * @throws InvalidResponseException a usable answer larger than {@code llm.response.max-bytes}
     * @throws IOException              no answer: refused or reset connection, a timeout (named by its setting)
     */
    public Answer exchange(HttpRequest request) throws IOException, InvalidResponseException {
        Deadline deadline = new Deadline();
        ScheduledFuture<?> watch = timer.schedule(deadline::expire, api.responseTimeoutMs(), TimeUnit.MILLISECONDS);
        try {
            HttpResponse<byte[]> response = http.send(request, info -> {
                boolean usable = OpenAiHttp.usable(info.statusCode(),
                        info.headers().firstValue("content-type").orElse(null));
                return deadline.reading(new CappedBody(api.bodyCap(usable), usable));
            });
            return new Answer(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            InvalidResponseException tooLarge = causeOf(e, InvalidResponseException.class);
            if (tooLarge != null && !deadline.passed) {
                throw tooLarge;
            }
            throw noAnswer(request, e, deadline.passed);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(what(request) + ": interrupted (the pipeline is stopping)");
        } finally {
            watch.cancel(false);
        }
    }

    /**
     * A JSON answer of the Files or Batches API, whole.
     *
     * @throws ApiException anything but a usable answer
     */
    public byte[] json(HttpRequest request) throws IOException, InvalidResponseException {
        Answer answer = exchange(request);
        if (!answer.usable()) {
            throw OpenAiHttp.refused(answer.status(), answer.headerValues(), answer.body());
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
            throw OpenAiHttp.refused(response.statusCode(), OpenAiHttp.Headers.of(response.headers()), page);
        }
        return new StallGuard(response.body(), api.responseTimeoutMs(), timer);
    }

    private IOException noAnswer(HttpRequest request, IOException e, boolean deadlinePassed) {
        boolean connectTimedOut = e instanceof HttpConnectTimeoutException;
        return api.noAnswer(what(request), e, deadlinePassed || (e instanceof HttpTimeoutException && !connectTimedOut),
                connectTimedOut);
    }

    private static String what(HttpRequest request) {
        return request.method() + " " + request.uri().getPath();
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
    private static final class Deadline {
        volatile boolean passed;
        private CappedBody body;

        synchronized CappedBody reading(CappedBody subscriber) {
            body = subscriber;
            if (passed) {
                subscriber.abort(new HttpTimeoutException("llm.timeout.response-ms passed"));
            }
            return subscriber;
        }

        synchronized void expire() {
            passed = true;
            if (body != null) {
                body.abort(new HttpTimeoutException("llm.timeout.response-ms passed"));
            }
        }
    }
}
