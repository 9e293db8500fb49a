package io.github.camelllm.app;

/**
 * The API cannot be used: it cannot be reached (an unknown host, a refused connection, a TLS mismatch), it is not
 * an OpenAI-compatible API, or it refuses the key. {@code run FILE} ends with {@link Launcher#API_REFUSED}.
 */
final class ApiUnavailableException extends RuntimeException {

    ApiUnavailableException(String message) {
        super(message);
    }
}
