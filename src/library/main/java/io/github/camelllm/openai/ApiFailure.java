package io.github.camelllm.openai;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.json.Jackson;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The one place that reads an OpenAI error answer: what kind of fault it is, whether another attempt can help,
 * and how long the server asked us to wait. Gateways in front of the API (nginx, Azure, LiteLLM) answer with
 * HTML pages or without the JSON error object, so every field is optional.
 *
 * @param status  the HTTP status
 * @param kind    what the answer means for the pipeline
 * @param code    {@code error.code} of the body, or null
 * @param type    {@code error.type} of the body, or null
 * @param message {@code error.message} (or the start of a non-JSON body), truncated, or null
 * @param headers the response headers, names in lower case
 */
public record ApiFailure(int status, Kind kind, String code, String type, String message,
                         Map<String, String> headers) {

    private static final int MAX_MESSAGE = 500;

    /** What an answer means for the pipeline, not only for the one prompt. */
    public enum Kind {
        /** 429 rate_limit_exceeded (or a 429 with no code): the whole pipeline waits, the prompt is asked again. */
        RATE_LIMITED,
        /** 429 insufficient_quota: out of credit, no wait fixes it. */
        QUOTA,
        /** 401/403: the key (or the organisation's access) is refused. */
        AUTH,
        /** 404 model_not_found: this model cannot be used with this key. */
        MODEL_NOT_FOUND,
        /** Another 404, or a web page instead of an answer: the base URL does not lead to an OpenAI-compatible API. */
        NOT_FOUND,
        /** 5xx: the server (or a gateway in front of it) failed; it counts towards an outage. */
        SERVER,
        /** 408/409: worth another attempt, but says nothing about the server's health. */
        RETRYABLE,
        /** Any other 4xx: the request itself is refused; the same request would fail again. */
        CLIENT
    }

    /** What removes the API key from a text (a server's or an exception's): the key becomes {@code ***}. */
    public static UnaryOperator<String> scrubber(String apiKey) {
        String key = apiKey == null ? "" : apiKey.trim();
        return text -> text == null || key.length() < 4 ? text : text.replace(key, "***");
    }

    /** As {@link #of(int, Map, byte[], UnaryOperator)}, for a server that holds no key of ours. */
    public static ApiFailure of(int status, Map<String, String> headers, byte[] body) {
        return of(status, headers, body, UnaryOperator.identity());
    }

    /**
     * Reads an error answer.
     *
     * @param scrub removes the API key from the server's text (a gateway may echo the Authorization header):
     *              done here, where the text enters, so no message, exception or log line made from it can carry
     *              the key
     */
    public static ApiFailure of(int status, Map<String, String> headers, byte[] body, UnaryOperator<String> scrub) {
        Map<String, String> lower = new TreeMap<>();
        if (headers != null) {
            headers.forEach((k, v) -> {
                if (k != null && v != null) {
                    lower.put(k.toLowerCase(Locale.ROOT), v);
                }
            });
        }
        String code = null;
        String type = null;
        String message = null;
        String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
        if (!text.isBlank()) {
            try {
                JsonNode error = Jackson.MAPPER.readTree(text).path("error");
                code = textOrNull(error.get("code"));
                type = textOrNull(error.get("type"));
                message = textOrNull(error.get("message"));
                if (message == null && error.isTextual()) {
                    message = error.asText();
                }
            } catch (Exception notJson) {
                message = text.replaceAll("<[^>]*>", " ").replaceAll("\\s+", " ").trim();
            }
        }
        message = scrub.apply(message);
        code = scrub.apply(code);
        type = scrub.apply(type);
        if (message != null && message.length() > MAX_MESSAGE) {
            message = message.substring(0, MAX_MESSAGE) + "…";
        }
        return new ApiFailure(status, kindOf(status, code, type, message), code, type, message, lower);
    }

    static Kind kindOf(int status, String code, String type, String message) {
        if (status >= 200 && status < 300) {
            return Kind.NOT_FOUND; // only a web page is read here as a failure: the URL is not an API
        }
        if (status == 429) {
            return "insufficient_quota".equals(code) || "insufficient_quota".equals(type) ? Kind.QUOTA
                    : Kind.RATE_LIMITED;
        }
        if (status == 401 || status == 403) {
            return Kind.AUTH;
        }
        if (status == 404) {
            boolean model = "model_not_found".equals(code)
                    || (message != null && message.contains("model") && message.contains("does not exist"));
            return model ? Kind.MODEL_NOT_FOUND : Kind.NOT_FOUND;
        }
        if (status == 408 || status == 409) {
            return Kind.RETRYABLE;
        }
        if (status >= 500) {
            return Kind.SERVER;
        }
        return Kind.CLIENT;
    }

    /**
     * Whether another attempt can help: as the OpenAI SDKs decide, 408, 409, 429 and 5xx yes, other 4xx no —
     * unless the server says so itself in {@code x-should-retry}. Out of credit, a refused key and an unknown
     * model are never retried one prompt at a time: the pipeline stops or holds for them as a whole.
     */
    public boolean retryable() {
        String should = headers.get("x-should-retry");
        if (kind == Kind.QUOTA || kind == Kind.AUTH || kind == Kind.MODEL_NOT_FOUND) {
            return false;
        }
        if ("true".equalsIgnoreCase(should)) {
            return true;
        }
        if ("false".equalsIgnoreCase(should)) {
            return false;
        }
        return kind == Kind.RATE_LIMITED || kind == Kind.SERVER || kind == Kind.RETRYABLE;
    }

    /** A fault that no retry fixes and that concerns every prompt (or every prompt of one model). */
    public boolean fatal() {
        return kind == Kind.QUOTA || kind == Kind.AUTH || kind == Kind.MODEL_NOT_FOUND || kind == Kind.NOT_FOUND;
    }

    /**
     * How long the server asked us to wait: {@code retry-after-ms}, {@code retry-after} (seconds or an HTTP date),
     * then, for rate limits, the "try again in 1.2s" of the message or the reset header of the exhausted bucket.
     */
    public OptionalLong retryAfterMillis(long nowMillis) {
        OptionalLong named = RetryAfter.delayMillis(headers, nowMillis);
        if (named.isPresent() || kind != Kind.RATE_LIMITED) {
            return named;
        }
        OptionalLong fromMessage = GoDuration.fromMessage(message);
        if (fromMessage.isPresent()) {
            return fromMessage;
        }
        String bucket = "tokens".equals(type) || (message != null && message.contains("(TPM)")) ? "tokens"
                : "requests";
        OptionalLong reset = GoDuration.millis(headers.get("x-ratelimit-reset-" + bucket));
        if (reset.isPresent() && "0".equals(headers.get("x-ratelimit-remaining-" + bucket))) {
            return reset;
        }
        return OptionalLong.empty();
    }

    /** Which rate-limit bucket a 429 names: "tokens" or "requests" (the default when it does not say). */
    public String exhaustedBucket() {
        if ("tokens".equals(type) || (message != null && (message.contains("(TPM)") || message.contains("tokens per")))) {
            return "tokens";
        }
        return "requests";
    }

    /** The error type that a result carries: the server's code or type, or a name for the kind. */
    public String resultType() {
        return switch (kind) {
            case QUOTA -> "insufficient_quota";
            case AUTH -> status == 401 ? "authentication_error" : "permission_denied";
            case MODEL_NOT_FOUND -> "model_not_found";
            case NOT_FOUND -> "not_found";
            case RATE_LIMITED -> "rate_limited";
            default -> code != null ? code : type != null ? type : "http_error";
        };
    }

    /** "HTTP 429 insufficient_quota: You exceeded your current quota …". */
    public String describe() {
        StringBuilder s = new StringBuilder("HTTP ").append(status);
        if (code != null) {
            s.append(' ').append(code);
        } else if (type != null) {
            s.append(' ').append(type);
        }
        if (message != null && !message.isEmpty()) {
            s.append(": ").append(message);
        }
        return s.toString();
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() || node.isContainerNode() ? null : node.asText();
    }
}
