package io.github.camelllm.openai;

import org.apache.camel.component.http.HttpClientConfigurer;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.core5.http.HttpHeaders;

/**
 * Adds {@code Authorization: Bearer <key>} inside the HTTP client, so the key is never a message header: it
 * cannot be logged with an exchange, copied to an output endpoint, or shown in an error.
 */
public final class ApiKeyConfigurer implements HttpClientConfigurer {

    private final String apiKey;

    public ApiKeyConfigurer(String apiKey) {
        this.apiKey = apiKey == null ? "" : apiKey.trim();
    }

    @Override
    public void configureHttpClient(HttpClientBuilder builder) {
        if (apiKey.isEmpty()) {
            return;
        }
        builder.addRequestInterceptorFirst((request, entity, context) -> {
            if (!request.containsHeader(HttpHeaders.AUTHORIZATION)) {
                request.setHeader(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey);
            }
        });
    }

    @Override
    public String toString() {
        return "ApiKeyConfigurer[key " + (apiKey.isEmpty() ? "absent" : "set") + "]";
    }
}
