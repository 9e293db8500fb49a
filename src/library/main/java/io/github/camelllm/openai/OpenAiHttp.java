package io.github.camelllm.openai;

import io.github.camelllm.config.ApiConfig;
import io.github.camelllm.config.CallConfig;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * The one way to the OpenAI-compatible API, whichever HTTP library carries a call (the JDK's for chat and for the
 * Files and Batches APIs, Vert.x's for chat): what every call has in common, decided once.
 * <ul>
 *   <li>Every URI is the configured base URL plus an API path, and the key goes only there: the Authorization
 *   header is added to those requests alone, and redirects are not followed (a redirect would carry it
 *   elsewhere).</li>
 *   <li>HTTP/2 is offered only over TLS (ALPN); plain http stays on HTTP/1.1, since an h2c upgrade attempt confuses
 *   some servers and proxies.</li>
 *   <li>A usable answer is a 2xx that is not a web page; its body is refused past {@code llm.response.max-bytes}.
 *   Anything else is an error page, of which only the start ({@value #ERROR_BODY_BYTES} bytes) is kept.</li>
 *   <li>Every refusal becomes an {@link ApiException} built the same way (status, headers by lower-case name with
 *   their first value, capped body, classified by {@link ApiFailure}), and every call that got no answer an
 *   {@link IOException} that names the setting involved.</li>
 * </ul>
 */
public final class OpenAiHttp {

    /** Only the start of an error page is kept: enough for its message, without buffering a large page. */
    public static final int ERROR_BODY_BYTES = 64 * 1024;

    /** The headers of an answer, each name with its first value, from whichever client read them. */
    @FunctionalInterface
    public interface Headers {
        void forEach(BiConsumer<String, String> nameAndFirstValue);

        /** The JDK client's headers. */
        static Headers of(java.net.http.HttpHeaders headers) {
            return each -> headers.map().forEach((name, values) -> {
                if (!values.isEmpty()) {
                    each.accept(name, values.get(0));
                }
            });
        }
    }

    private final String baseUrl;
    private final URI base;
    private final String authorization;
    private final long connectTimeoutMs;
    private final long responseTimeoutMs;
    private final int maxResponseBytes;
    /** Removes the key from any text that comes back (a server or a gateway may echo the Authorization header). */
    private final UnaryOperator<String> scrub;

    /**
     * @param api   the base URL ({@code llm.base-url}, e.g. {@code https://api.openai.com/v1}) and the key ("" for a
     *              server that needs none)
     * @param calls the connect timeout, the answer's deadline and {@code llm.response.max-bytes}, the largest usable
     *              answer read into memory
     */
    public OpenAiHttp(ApiConfig api, CallConfig calls) {
        this.baseUrl = api.baseUrl();
        this.base = URI.create(baseUrl);
        this.authorization = api.apiKey() == null || api.apiKey().isBlank() ? null : "Bearer " + api.apiKey().trim();
        this.connectTimeoutMs = calls.connectTimeout().toMillis();
        this.responseTimeoutMs = calls.responseTimeout().toMillis();
        this.maxResponseBytes = calls.maxResponseBytes();
        this.scrub = ApiFailure.scrubber(api.apiKey());
    }

    /** The text without the key. */
    String scrub(String text) {
        return scrub.apply(text);
    }

    /** An API path ({@code /chat/completions}, {@code /files}) under the base URL: the only URIs ever called. */
    public URI uri(String path) {
        return URI.create(baseUrl + path);
    }

    /** True for an https base URL: TLS, and HTTP/2 offered by ALPN. */
    public boolean tls() {
        return "https".equalsIgnoreCase(base.getScheme());
    }

    /** The Authorization header's value, or null for none (a local server without a key). */
    String authorization() {
        return authorization;
    }

    public long connectTimeoutMs() {
        return connectTimeoutMs;
    }

    public long responseTimeoutMs() {
        return responseTimeoutMs;
    }

    /** The JDK client for these calls: the version policy, no redirects, the connect timeout, the given executor. */
    HttpClient jdkClient(Executor executor) {
        return jdkClientBuilder().executor(executor).build();
    }

    /** As {@link #jdkClient(Executor)} on the client's own threads: for a single exchange, such as a check. */
    public HttpClient jdkClient() {
        return jdkClientBuilder().build();
    }

    private HttpClient.Builder jdkClientBuilder() {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis(connectTimeoutMs))
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(tls() ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1);
    }

    /**
     * How an answer's body is read: a usable answer up to {@code llm.response.max-bytes}, anything else up to its
     * first {@link #ERROR_BODY_BYTES}; nothing past the cap is read into memory.
     *
     * @param refuseLarger a usable answer past its cap fails the exchange ({@link #tooLarge}) instead of being cut
     */
    public CappedBody body(HttpResponse.ResponseInfo info, boolean refuseLarger) {
        boolean usable = usable(info.statusCode(), info.headers().firstValue("content-type").orElse(null));
        return new CappedBody(bodyCap(usable), usable && refuseLarger);
    }

    /**
     * A JDK request to an API path: the key added, and a deadline of {@code llm.timeout.response-ms} for the
     * answer's headers (the body's own deadline is the caller's).
     */
    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path))
                .timeout(Duration.ofMillis(responseTimeoutMs));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request;
    }

    static boolean isSuccess(int status) {
        return status >= 200 && status < 300;
    }

    /**
     * A 2xx that is not a web page. A web page where an API answer belongs means the base URL leads to a website
     * or a login portal, not to an OpenAI-compatible API, and every other call would get the same page.
     */
    public static boolean usable(int status, String contentType) {
        return isSuccess(status) && !isHtml(contentType);
    }

    static boolean isHtml(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/html");
    }

    /** How much of a body is read: a usable answer up to {@code llm.response.max-bytes}, an error page's start. */
    public int bodyCap(boolean usable) {
        return usable ? maxResponseBytes : ERROR_BODY_BYTES;
    }

    /** A usable answer past its cap is refused: the connection is dropped rather than the body buffered. */
    static InvalidResponseException tooLarge(int cap) {
        return new InvalidResponseException("response is larger than llm.response.max-bytes=" + cap);
    }

    /**
     * Anything but a usable answer, classified: status, every header (first value), the capped body; the key is
     * removed from the server's text here, where it enters, so no message or log line made from it can carry it.
     */
    public ApiException refused(int status, Headers headers, byte[] body) {
        Map<String, String> all = new HashMap<>();
        headers.forEach(all::putIfAbsent);
        return new ApiException(ApiFailure.of(status, all, body, scrub));
    }

    /** Only the rate-limit headers of a usable answer, by lower-case name: no per-call copy of every header. */
    static Map<String, String> rateLimitHeaders(Headers headers) {
        Map<String, String> out = new HashMap<>(8);
        headers.forEach((name, value) -> {
            if (name.regionMatches(true, 0, "x-ratelimit-", 0, 12)) {
                out.putIfAbsent(name.toLowerCase(Locale.ROOT), value);
            }
        });
        return out;
    }

    /**
     * A call that got no answer, as the failure to report.
     *
     * @param what            the call, for the message ({@code POST /files}), or null
     * @param timedOut        no complete answer within {@code llm.timeout.response-ms}
     * @param connectTimedOut no connection within {@code llm.timeout.connect-ms}
     */
    IOException noAnswer(String what, Throwable failure, boolean timedOut, boolean connectTimedOut) {
        String prefix = what == null ? "" : what + ": ";
        if (timedOut) {
            return new SocketTimeoutException(prefix + "no complete response within llm.timeout.response-ms="
                    + responseTimeoutMs + " ms");
        }
        if (connectTimedOut) {
            return new ConnectException(prefix + "connect timed out (llm.timeout.connect-ms=" + connectTimeoutMs
                    + " ms)");
        }
        if (failure instanceof IOException e) {
            String message = e.getMessage();
            return message == null || message.equals(scrub(message)) ? e
                    : new IOException(prefix + scrub(message)); // the cause, which quotes the key, is left out
        }
        return new IOException(prefix + scrub(failure.toString()));
    }
}
