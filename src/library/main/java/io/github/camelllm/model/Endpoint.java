package io.github.camelllm.model;

import java.util.Locale;

/**
 * The API endpoints a prompt can go to, as the Batch API names them in an input line's {@code url} (and in a
 * batch's {@code endpoint}): one per request, and one per batch file.
 */
public enum Endpoint {

    CHAT_COMPLETIONS("/v1/chat/completions", "chat", "chat-completions"),
    RESPONSES("/v1/responses", "responses", "responses"),
    EMBEDDINGS("/v1/embeddings", "embeddings", "embeddings"),
    COMPLETIONS("/v1/completions", "text_completion", "completions"),
    MODERATIONS("/v1/moderations", "moderations", "moderations");

    private final String url;
    private final String operation;
    private final String setting;

    Endpoint(String url, String operation, String setting) {
        this.url = url;
        this.operation = operation;
        this.setting = setting;
    }

    /** The Batch API's name of the endpoint, e.g. {@code /v1/embeddings}. */
    public String url() {
        return url;
    }

    /** The path under the base URL (which ends in {@code /v1}), e.g. {@code /embeddings}. */
    public String path() {
        return url.substring(3);
    }

    /** The OpenTelemetry GenAI operation name ({@code gen_ai.operation.name}): chat, embeddings, ... */
    public String operation() {
        return operation;
    }

    /** Its value of {@code llm.endpoint}. */
    public String setting() {
        return setting;
    }

    /** Whether answers carry generated tokens (embeddings and moderations only read their input). */
    public boolean generates() {
        return this == CHAT_COMPLETIONS || this == RESPONSES || this == COMPLETIONS;
    }

    /** The endpoint of a Batch API line's url, or null for one the API does not batch. */
    public static Endpoint ofUrl(String url) {
        for (Endpoint e : values()) {
            if (e.url.equals(url)) {
                return e;
            }
        }
        return null;
    }

    /** The endpoint named by {@code llm.endpoint}. */
    public static Endpoint ofSetting(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (Endpoint e : values()) {
            if (e.setting.equals(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown endpoint \"" + value + "\"");
    }

    /** The urls of every endpoint, for messages. */
    public static String urls() {
        StringBuilder sb = new StringBuilder();
        for (Endpoint e : values()) {
            sb.append(sb.isEmpty() ? "" : ", ").append(e.url);
        }
        return sb.toString();
    }
}
