package io.github.camelllm.config;

/** The HTTP client of the real-time calls ({@code llm.http.client}). */
public enum HttpClientKind {
    /** java.net.http, the JDK's client. */
    JDK,
    /** Vert.x on Netty event loops (an optional dependency). */
    VERTX
}
