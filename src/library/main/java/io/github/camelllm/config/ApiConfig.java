package io.github.camelllm.config;

import io.github.camelllm.model.Endpoint;

/**
 * The API a pipeline calls ({@code llm.base-url}, {@code llm.api-key}, {@code llm.model}).
 *
 * @param baseUrl the base URL without a trailing slash; {@link Setting#SIMULATOR} when the built-in simulator was
 *                asked for, null when neither a base URL nor a key is set (a pipeline refuses to start with
 *                either: the simulator belongs to the application, which replaces it with its URL)
 * @param apiKey  the key sent as "Authorization: Bearer", or "" for none; never logged or printed
 * @param model   the model of lines that name none
 * @param names   the properties that set these, for messages that tell the user what to check
 * @param endpoint where simple lines and text lines go ({@code llm.endpoint})
 */
public record ApiConfig(String baseUrl, String apiKey, String model, PropertyNames names, Endpoint endpoint) {

    public ApiConfig {
        endpoint = endpoint == null ? Endpoint.CHAT_COMPLETIONS : endpoint;
    }

    /** An API whose simple lines go to chat completions. */
    public ApiConfig(String baseUrl, String apiKey, String model, PropertyNames names) {
        this(baseUrl, apiKey, model, names, Endpoint.CHAT_COMPLETIONS);
    }

    /** Whether a pipeline can call this API: a base URL, and not the application's simulator. */
    public boolean chosen() {
        return baseUrl != null && !Setting.SIMULATOR.equals(baseUrl);
    }

    @Override
    public String toString() {
        return "ApiConfig[baseUrl=" + baseUrl + ", apiKey=" + (apiKey.isEmpty() ? "(none)" : "(set, hidden)")
                + ", model=" + model + ", endpoint=" + endpoint.url() + "]";
    }
}
