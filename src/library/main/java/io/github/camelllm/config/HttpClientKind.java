package io.github.camelllm.config;

/** The HTTP client of the real-time calls ({@code llm.http.client}). */
public enum HttpClientKind {
    /**
     * Vert.x where it can be used (vertx-core on the class path, no JVM proxy for the base URL), else the JDK's:
     * decided when the pipeline starts.
     */
    AUTO,
    /** java.net.http, the JDK's client. */
    JDK,
    /** Vert.x on Netty event loops (an optional dependency). */
    VERTX
}
