package io.github.camelllm.wiring;

import io.github.camelllm.config.HttpClientKind;
import io.github.camelllm.config.PropertyNames;

import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Which HTTP client carries a pipeline's chat calls ({@code llm.http.client}), decided once when it starts, and
 * what that choice costs on this JVM.
 * <ul>
 *   <li>{@code auto} takes Vert.x when it can: its answers arrive on its event loop, whatever the number of
 *   cores. It cannot when vertx-core is not on the class path (it is an optional dependency of the library; the
 *   command-line application carries it), or when the JVM's proxy settings ({@code https.proxyHost},
 *   {@code http.proxyHost}, {@code socksProxyHost}, {@code java.net.useSystemProxies}) send the base URL through a
 *   proxy: the JDK client follows them, Vert.x's does not.</li>
 *   <li>The JDK client completes every answer on CompletableFuture's default executor, which is a new thread per
 *   answer where the common ForkJoinPool's parallelism is 1 (one or two cores, or set so): that is said once, at
 *   start, with what avoids it.</li>
 * </ul>
 */
final class HttpClientChoice {

    /** The class that tells Vert.x 5's HTTP client is on the class path (loaded only if it is chosen). */
    static final String VERTX_CLASS = "io.vertx.core.http.HttpClientAgent";

    /**
     * @param kind   the client that carries the calls: {@link HttpClientKind#JDK} or {@link HttpClientKind#VERTX}
     * @param reason why, for the log line at start
     * @param proxy  the proxy the JVM's settings choose for the base URL, or null when it is reached directly
     * @param names  the pipeline's property names, for the messages
     */
    record Choice(HttpClientKind kind, String reason, Proxy proxy, PropertyNames names) {

        /** What this choice costs or misses on a JVM whose common pool has this parallelism, or null if nothing. */
        String warning(int commonPoolParallelism) {
            if (kind == HttpClientKind.VERTX) {
                return proxy == null ? null : "the Vert.x HTTP client (" + reason + ") ignores the JVM's proxy "
                        + "settings: the calls go directly, not through " + proxy + "; set " + names.of("http.client")
                        + "=auto or jdk to follow them";
            }
            if (commonPoolParallelism > 1) {
                return null;
            }
            return "the JDK HTTP client (" + reason + ") starts a short-lived thread for every answer on this JVM: "
                    + "it completes each answer on CompletableFuture's default executor, which is a new thread per "
                    + "task when the common ForkJoinPool's parallelism is " + commonPoolParallelism + " (one or two "
                    + "cores). To avoid it, " + (proxy != null ? "" : "add io.vertx:vertx-core 5 to the class path "
                    + "(then " + names.of("http.client") + "=auto uses Vert.x), or ") + "start the JVM with "
                    + "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2";
        }
    }

    private HttpClientChoice() {
    }

    /**
     * @param asked            {@code llm.http.client}
     * @param baseUrl          {@code llm.base-url}
     * @param vertxOnClassPath whether {@link #VERTX_CLASS} can be loaded
     * @param proxies          the JVM's proxy selector ({@link ProxySelector#getDefault()}), or null for none
     */
    static Choice of(HttpClientKind asked, String baseUrl, boolean vertxOnClassPath, ProxySelector proxies,
                     PropertyNames names) {
        String setting = names.of("http.client") + "=" + asked.name().toLowerCase(Locale.ROOT);
        Proxy proxy = proxyFor(baseUrl, proxies);
        return switch (asked) {
            case JDK -> new Choice(HttpClientKind.JDK, setting, proxy, names);
            case VERTX -> {
                if (!vertxOnClassPath) {
                    throw new IllegalStateException(setting + " needs io.vertx:vertx-core 5 on the class path (an "
                            + "optional dependency of the library)");
                }
                yield new Choice(HttpClientKind.VERTX, setting, proxy, names);
            }
            case AUTO -> {
                if (!vertxOnClassPath) {
                    yield new Choice(HttpClientKind.JDK, setting + ", io.vertx:vertx-core is not on the class path",
                            proxy, names);
                }
                if (proxy != null) {
                    yield new Choice(HttpClientKind.JDK, setting + ", the JVM's proxy settings send the calls "
                            + "through " + proxy + " and only the JDK client follows them", proxy, names);
                }
                yield new Choice(HttpClientKind.VERTX, setting + ", io.vertx:vertx-core is on the class path", null,
                        names);
            }
        };
    }

    /** The proxy the JVM's settings choose for the base URL, or null when it is reached directly. */
    static Proxy proxyFor(String baseUrl, ProxySelector proxies) {
        if (proxies == null || baseUrl == null) {
            return null;
        }
        List<Proxy> chosen;
        try {
            chosen = proxies.select(URI.create(baseUrl));
        } catch (RuntimeException e) {
            return null; // a URL the selector cannot judge: the JDK client would not proxy it either
        }
        return chosen == null ? null : chosen.stream().filter(p -> p.type() != Proxy.Type.DIRECT).findFirst()
                .orElse(null);
    }
}
