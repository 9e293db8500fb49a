package io.github.camelllm.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.config.ApiConfig;
import io.github.camelllm.config.CallConfig;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.openai.OpenAiHttp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

/**
 * Before any prompt is read: is the configured API there, and is it an OpenAI-compatible API that takes our key?
 * One {@code GET /models} (free of charge on every such API) tells a misspelt host (DNS), a refused connection, a
 * TLS mismatch, a website or a login portal where the API should be, and a refused key apart from a working API,
 * within seconds and naming {@code llm.base-url} or the key's setting, instead of letting each of these look like
 * an outage later.
 */
final class ApiCheck {

    private static final Logger LOG = LoggerFactory.getLogger(ApiCheck.class);

    /** What the check found. */
    enum Verdict {
        /** The API answers (or answers as an API does, e.g. without a model list). */
        OK,
        /** No answer: unknown host, refused connection, TLS failure, nothing within the time allowed. */
        UNREACHABLE,
        /** The API refuses us: the key (401/403) or the account (out of credit). */
        REFUSED,
        /** Something answers, but not as an OpenAI-compatible API: a web page, a 404 that is not the API's. */
        NOT_AN_API
    }

    /**
     * @param message what was found, naming the setting to check (null when OK)
     * @param models  the model ids the API lists (empty when it lists none)
     */
    record Outcome(Verdict verdict, String message, List<String> models) {
        boolean ok() {
            return verdict == Verdict.OK;
        }
    }

    /** The longest wait for the answer to the check, whatever llm.timeout.response-ms says. */
    private static final Duration MAX_WAIT = Duration.ofSeconds(30);
    private static final Duration MIN_WAIT = Duration.ofSeconds(5);

    private final OpenAiHttp edge;
    private final String baseUrl;
    private final String keyProperty;
    private final Duration connectTimeout;
    private final Duration wait;
    private final UnaryOperator<String> scrub;

    ApiCheck(ApiConfig api, CallConfig calls) {
        this.edge = new OpenAiHttp(api, calls);
        this.baseUrl = api.baseUrl();
        this.keyProperty = api.names().apiKey();
        this.connectTimeout = calls.connectTimeout();
        Duration response = calls.responseTimeout();
        this.wait = response.compareTo(MIN_WAIT) < 0 ? MIN_WAIT : response.compareTo(MAX_WAIT) > 0 ? MAX_WAIT
                : response;
        this.scrub = ApiFailure.scrubber(api.apiKey());
    }

    /** The check made on a thread of its own; the future holds its outcome. */
    static CompletableFuture<Outcome> inBackground(ApiCheck check) {
        CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                outcome.complete(check.check());
            } catch (RuntimeException | Error e) {
                outcome.completeExceptionally(e);
            }
        }, "api-check");
        thread.setDaemon(true); // a check still waiting does not keep a failed start alive
        thread.start();
        return outcome;
    }

    Outcome check() {
        String where = "llm.base-url=" + baseUrl;
        URI uri;
        HttpRequest request;
        try {
            // the calls' own edge: the key goes only to the base URL, no redirects, their HTTP version
            request = edge.request("/models").timeout(wait).GET().header("Accept", "application/json").build();
            uri = request.uri();
        } catch (IllegalArgumentException e) {
            return new Outcome(Verdict.NOT_AN_API, where + ": not a usable URL (" + scrub.apply(e.getMessage()) + ")",
                    List.of());
        }
        String hostPort = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
        HttpResponse<byte[]> response;
        try {
            // a long model list is cut at its cap rather than read whole: the check needs only its start
            response = edge.jdkClient().send(request, info -> edge.body(info, false));
        } catch (HttpConnectTimeoutException e) {
            return unreachable(where + ": no connection to " + hostPort + " within llm.timeout.connect-ms="
                    + connectTimeout.toMillis() + " ms (a firewall, a wrong port, or the server is down)");
        } catch (HttpTimeoutException e) {
            return unreachable(where + ": " + hostPort + " took the connection but did not answer GET " + uri.getPath()
                    + " within " + wait.toSeconds() + " s");
        } catch (ConnectException e) {
            Throwable cause = rootOf(e);
            if (cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
                return unknownHost(where, uri);
            }
            return unreachable(where + ": connection refused by " + hostPort + " (is the server running, and on "
                    + "this port?)");
        } catch (UnknownHostException e) {
            return unknownHost(where, uri);
        } catch (SSLException e) {
            return unreachable(where + ": the TLS handshake with " + hostPort + " failed (" + scrub.apply(e.getMessage())
                    + ")" + ("https".equalsIgnoreCase(uri.getScheme()) ? "; a server without TLS takes http://" : ""));
        } catch (IOException e) {
            Throwable cause = rootOf(e);
            if (cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
                return unknownHost(where, uri);
            }
            if (cause instanceof SSLException ssl) {
                return unreachable(where + ": the TLS handshake with " + hostPort + " failed ("
                        + scrub.apply(ssl.getMessage()) + ")");
            }
            String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : scrub.apply(cause.getMessage());
            return unreachable(where + ": the connection to " + hostPort + " failed (" + why + ")"
                    + ("http".equalsIgnoreCase(uri.getScheme()) ? "; a server with TLS takes https://" : ""));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unreachable(where + ": the check was interrupted");
        } catch (IllegalArgumentException e) {
            return new Outcome(Verdict.NOT_AN_API, where + ": not a usable URL (" + scrub.apply(e.getMessage()) + ")",
                    List.of());
        }
        return judge(where, uri, response);
    }

    private Outcome judge(String where, URI uri, HttpResponse<byte[]> response) {
        int status = response.statusCode();
        String contentType = response.headers().firstValue("content-type").orElse("");
        boolean html = contentType.toLowerCase(Locale.ROOT).startsWith("text/html");
        boolean json = contentType.toLowerCase(Locale.ROOT).contains("json");
        String answered = "GET " + uri.getPath() + " answered HTTP " + status
                + (contentType.isEmpty() ? "" : " " + contentType.split(";")[0].trim());
        if (status >= 200 && status < 300) {
            if (html || !json) {
                return notAnApi(where, answered);
            }
            return new Outcome(Verdict.OK, null, models(response.body()));
        }
        if (status == 401 || status == 403) {
            return new Outcome(Verdict.REFUSED, "the API at " + baseUrl + " refuses the key (" + describe(response)
                    + "): check " + keyProperty + " (the key itself is never shown)", List.of());
        }
        if (status == 429) {
            ApiFailure failure = failure(response);
            if (failure.kind() == ApiFailure.Kind.QUOTA) {
                return new Outcome(Verdict.REFUSED, "the account behind the key is out of credit (" + failure.describe()
                        + "): top it up or raise its limit", List.of());
            }
            return new Outcome(Verdict.OK, null, List.of()); // rate limited: the API is there
        }
        if (html || (status == 404 && !json)) {
            return notAnApi(where, answered);
        }
        // a 404 in the API's own JSON (a server without a model list), a 5xx (an outage the calls will ride out)
        return new Outcome(Verdict.OK, null, List.of());
    }

    private Outcome notAnApi(String where, String answered) {
        return new Outcome(Verdict.NOT_AN_API, where + " does not lead to an OpenAI-compatible API (" + answered
                + ", not the API's JSON): a website or a login portal answers there"
                + (baseUrl.endsWith("/v1") ? "" : "; the base URL usually ends in /v1"), List.of());
    }

    private static Outcome unknownHost(String where, URI uri) {
        return unreachable(where + ": the host " + uri.getHost() + " is unknown (DNS lookup failed): check its "
                + "spelling");
    }

    private static Outcome unreachable(String message) {
        return new Outcome(Verdict.UNREACHABLE, message, List.of());
    }

    private String describe(HttpResponse<byte[]> response) {
        return failure(response).describe();
    }

    private ApiFailure failure(HttpResponse<byte[]> response) {
        Map<String, String> headers = new HashMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!values.isEmpty()) {
                headers.put(name, values.get(0));
            }
        });
        return ApiFailure.of(response.statusCode(), headers, response.body(), scrub);
    }

    /**
     * A model the API does not list is most likely misspelt: said now, rather than after the first calls fail
     * (lines that name their own model are not checked here).
     */
    static void warnIfModelUnlisted(String model, List<String> listed) {
        if (!listed.isEmpty() && !listed.contains(model)) {
            LOG.warn("llm.model={} is not among the {} models the API lists{}: calls for it will fail unless the API "
                    + "knows it by another name", model, listed.size(), Suggestions.closest(model, listed));
        }
    }

    /** The ids of {@code {"data": [{"id": ...}, ...]}}; empty when the answer has none. */
    private static List<String> models(byte[] body) {
        List<String> ids = new ArrayList<>();
        try {
            JsonNode data = Jackson.MAPPER.readTree(body).path("data");
            for (JsonNode model : data) {
                if (model.path("id").isTextual()) {
                    ids.add(model.path("id").asText());
                }
            }
        } catch (IOException | RuntimeException notAList) {
            // an API that answers something else here: no model list to compare with
        }
        return ids;
    }

    private static Throwable rootOf(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }
}
