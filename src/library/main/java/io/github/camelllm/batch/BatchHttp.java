package io.github.camelllm.batch;

import io.github.camelllm.config.ApiConfig;
import io.github.camelllm.config.CallConfig;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.openai.ApiException;
import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.openai.FailurePolicy;
import io.github.camelllm.openai.CappedBody;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Files and Batches API calls on the pipeline's own JDK HTTP client, never on Camel's {@code http}
 * component: in a host's CamelContext that component is the host's, and neither the key nor this pipeline's
 * timeouts may reach the host's own calls.
 * <ul>
 *   <li>The key is added here, only to requests for the configured base URL (every URI is built from it and
 *   redirects are not followed); it never becomes a message header.</li>
 *   <li>A JSON answer must be complete within {@code llm.timeout.response-ms}. A file download must start
 *   within it, but its body may take longer (an output file can be hundreds of MB): it is cut only when no
 *   byte arrives for {@code llm.timeout.response-ms}.</li>
 *   <li>A non-2xx answer, or a web page where JSON belongs, fails the exchange with an {@link ApiException}
 *   (status, headers, capped body) for {@link BatchSteps#apiFailed}.</li>
 * </ul>
 * The answer replaces the message: its body (bytes, or for a download a stream), no headers.
 */
public final class BatchHttp {

    private static final int ERROR_BODY_BYTES = 64 * 1024;

    private final String baseUrl;
    private final String authorization;
    private final long responseTimeoutMs;
    private final int maxAnswerBytes;
    private final ScheduledExecutorService timer;
    private final HttpClient http;
    /** Removes the key from the text of error answers (a gateway may echo it). */
    private final UnaryOperator<String> scrub;

    /**
     * @param maxAnswerBytes largest JSON answer read (a download is streamed and not capped)
     * @param timer          watches downloads for a stalled body
     */
    public BatchHttp(ApiConfig api, CallConfig calls, ScheduledExecutorService timer) {
        this.baseUrl = api.baseUrl();
        this.authorization = api.apiKey().isBlank() ? null : "Bearer " + api.apiKey().trim();
        this.responseTimeoutMs = calls.responseTimeout().toMillis();
        this.maxAnswerBytes = calls.maxResponseBytes();
        this.timer = timer;
        this.scrub = FailurePolicy.scrubber(api.apiKey());
        // as ChatClient: plain http stays on HTTP/1.1 (an h2c upgrade attempt confuses some servers and proxies)
        this.http = HttpClient.newBuilder()
                .connectTimeout(calls.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(api.baseUrl().regionMatches(true, 0, "https:", 0, 6) ? HttpClient.Version.HTTP_2
                        : HttpClient.Version.HTTP_1_1)
                .build();
    }

    /** POST /files: the body and Content-Type that {@link BatchApi#uploadRequest} put on the message. */
    public void upload(Exchange exchange) throws Exception {
        answer(exchange, post(exchange, "/files"));
    }

    /** POST /batches: the JSON body of {@link BatchApi#createRequest}. */
    public void create(Exchange exchange) throws Exception {
        answer(exchange, post(exchange, "/batches"));
    }

    /** GET /batches?limit=100: the newest batches, to adopt one made from an uploaded file. */
    public void find(Exchange exchange) throws Exception {
        answer(exchange, request("/batches?limit=100").GET().build());
    }

    /** GET /batches/{id} of the job's batch. */
    public void check(Exchange exchange) throws Exception {
        answer(exchange, request("/batches/" + segment(BatchStep.of(exchange).getJob().getBatchId())).GET().build());
    }

    /**
     * GET /files/{id}/content of the file named by the exchange property {@value LlmConstants#DOWNLOAD}: the body
     * is left as a stream, for the next step to save; it is never held in memory.
     */
    public void download(Exchange exchange) throws Exception {
        String fileId = exchange.getProperty(LlmConstants.DOWNLOAD, String.class);
        HttpRequest request = request("/files/" + segment(fileId) + "/content").GET().build();
        HttpResponse<InputStream> response = send(request, info -> ok(info)
                ? HttpResponse.BodySubscribers.ofInputStream()
                : HttpResponse.BodySubscribers.mapping(new CappedBody(ERROR_BODY_BYTES, false),
                        ByteArrayInputStream::new));
        if (!ok(response)) {
            byte[] page;
            try (InputStream in = response.body()) {
                page = in.readAllBytes();
            }
            throw refused(response, page);
        }
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setBody(new StallGuard(response.body()));
    }

    private HttpRequest post(Exchange exchange, String path) {
        Message message = exchange.getMessage();
        Object body = message.getBody();
        HttpRequest.BodyPublisher publisher = body instanceof HttpRequest.BodyPublisher streamed ? streamed
                : HttpRequest.BodyPublishers.ofString(message.getBody(String.class), StandardCharsets.UTF_8);
        String contentType = message.getHeader(Exchange.CONTENT_TYPE, "application/json", String.class);
        return request(path).header("Content-Type", contentType).POST(publisher).build();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path))
                .timeout(Duration.ofMillis(responseTimeoutMs));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request;
    }

    /** A JSON answer, whole, as the new message; or the failure. */
    private void answer(Exchange exchange, HttpRequest request) throws Exception {
        HttpResponse<byte[]> response = send(request,
                info -> new CappedBody(ok(info) ? maxAnswerBytes : ERROR_BODY_BYTES, ok(info)));
        if (!ok(response)) {
            throw refused(response, response.body());
        }
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setBody(response.body());
    }

    /**
     * Sends and waits at most llm.timeout.response-ms for the answer as its handler reads it (the whole body for
     * JSON, the headers for a stream).
     */
    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) throws Exception {
        CompletableFuture<HttpResponse<T>> answer = http.sendAsync(request, handler);
        try {
            return answer.get(responseTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new SocketTimeoutException(request.method() + " " + request.uri().getPath()
                    + ": no complete answer within llm.timeout.response-ms=" + responseTimeoutMs + " ms");
        } catch (InterruptedException e) {
            answer.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + request.uri().getPath());
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof Exception failure) {
                throw failure; // IOException (refused, reset, connect timeout) or InvalidResponseException
            }
            throw e;
        }
    }

    /** 2xx and not a web page: a gateway or login page answering 200 is not the API's answer. */
    private static boolean ok(HttpResponse.ResponseInfo info) {
        return info.statusCode() >= 200 && info.statusCode() < 300 && !isHtml(info.headers().firstValue("content-type")
                .orElse(""));
    }

    private static boolean ok(HttpResponse<?> response) {
        return response.statusCode() >= 200 && response.statusCode() < 300
                && !isHtml(response.headers().firstValue("content-type").orElse(""));
    }

    private static boolean isHtml(String contentType) {
        return contentType.toLowerCase(Locale.ROOT).startsWith("text/html");
    }

    private ApiException refused(HttpResponse<?> response, byte[] body) {
        Map<String, String> headers = new HashMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!values.isEmpty()) {
                headers.put(name, values.get(0));
            }
        });
        return new ApiException(ApiFailure.of(response.statusCode(), headers, body, scrub));
    }

    /** An id from an answer as one path segment, whatever it holds. */
    private static String segment(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalStateException("no id to call the API with");
        }
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * A download's body that is closed (and fails with a timeout) when a read waits more than
     * llm.timeout.response-ms for a byte: the JDK client bounds only the wait for the headers of a streamed answer.
     */
    private final class StallGuard extends FilterInputStream {

        private final ScheduledFuture<?> watch;
        private volatile long readSince; // System.nanoTime() when the pending read began; 0 when none is pending
        private volatile boolean stalled;

        StallGuard(InputStream in) {
            super(in);
            long period = Math.max(10, Math.min(1000, responseTimeoutMs / 4));
            watch = timer.scheduleWithFixedDelay(this::watch, period, period, TimeUnit.MILLISECONDS);
        }

        private void watch() {
            long since = readSince;
            if (since != 0 && System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(responseTimeoutMs)) {
                stalled = true;
                try {
                    close();
                } catch (IOException ignored) {
                    // the pending read fails either way, and says why below
                }
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            readSince = System.nanoTime();
            try {
                return super.read(b, off, len);
            } catch (IOException e) {
                if (stalled) {
                    throw new SocketTimeoutException("download stalled: no data for llm.timeout.response-ms="
                            + responseTimeoutMs + " ms");
                }
                throw e;
            } finally {
                readSince = 0;
            }
        }

        @Override
        public void close() throws IOException {
            watch.cancel(false);
            super.close();
        }
    }
}
