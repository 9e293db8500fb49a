package io.github.camelllm.observe;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckHelper;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

import io.github.camelllm.json.Jackson;

/**
 * The management endpoints, in the shape of camel-observability-services: {@code /observe/health},
 * {@code /observe/health/live}, {@code /observe/health/ready} (JSON, 200 when UP, 503 when DOWN, from Camel's
 * health checks), {@code /observe/metrics} (Prometheus text), {@code /observe/runs} (JSON of the runs) and the
 * status page at {@code /}.
 * <p>
 * Served by the JDK's own {@code com.sun.net.httpserver} on a port of its own, with one thread of its own: it adds
 * no dependency, and it cannot clash with a host's HTTP stack (Spring Boot's servlet container, Vert.x under
 * camel-platform-http, Jetty or Netty, in whatever version the host has), nor take threads from it.
 */
final class ManagementServer implements AutoCloseable {

    static final String PAGE = "camel-llm-pipeline/status/index.html";

    private final HttpServer server;
    private final ExecutorService thread;
    private final CamelContext context;
    private final PrometheusMeterRegistry prometheus;
    private final Supplier<String> runsJson;

    /** @param prometheus what /observe/metrics scrapes; null when the pipeline keeps no meters */
    ManagementServer(String host, int port, String pipeline, CamelContext context, PrometheusMeterRegistry prometheus,
                     Supplier<String> runsJson) throws IOException {
        this.context = context;
        this.prometheus = prometheus;
        this.runsJson = runsJson;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 16);
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, pipeline + "-management");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(thread);
        server.createContext("/", this::handle);
        server.start();
    }

    /** The port it listens on (the one chosen when asked for 0). */
    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                send(exchange, 405, "text/plain", "only GET\n");
                return;
            }
            String path = exchange.getRequestURI().getPath();
            switch (path) {
                case "/observe/health" -> health(exchange, HealthCheckHelper.invoke(context));
                case "/observe/health/live" -> health(exchange, HealthCheckHelper.invokeLiveness(context));
                case "/observe/health/ready" -> health(exchange, HealthCheckHelper.invokeReadiness(context));
                case "/observe/metrics" -> {
                    if (prometheus == null) {
                        send(exchange, 404, "text/plain", "metrics are off (llm.metrics.enabled=false)\n");
                    } else {
                        send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", prometheus.scrape());
                    }
                }
                case "/observe/runs" -> send(exchange, 200, "application/json", runsJson.get());
                case "/", "/index.html" -> page(exchange);
                default -> send(exchange, 404, "text/plain", "not found: " + path + "\n");
            }
        } catch (RuntimeException e) {
            send(exchange, 500, "text/plain", "error: " + e.getMessage() + "\n");
        }
    }

    private static void health(HttpExchange exchange, Collection<HealthCheck.Result> results) throws IOException {
        boolean up = HealthCheckHelper.isResultsUp(results, false);
        List<Map<String, Object>> checks = new ArrayList<>();
        for (HealthCheck.Result r : results) {
            Map<String, Object> check = new LinkedHashMap<>();
            check.put("name", r.getCheck().getId());
            check.put("status", r.getState().name());
            r.getMessage().ifPresent(m -> check.put("message", m));
            checks.add(check);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("checks", checks);
        send(exchange, up ? 200 : 503, "application/json", Jackson.MAPPER.writeValueAsString(body));
    }

    private static void page(HttpExchange exchange) throws IOException {
        try (InputStream in = ManagementServer.class.getClassLoader().getResourceAsStream(PAGE)) {
            if (in == null) {
                send(exchange, 404, "text/plain", "no status page in this build\n");
                return;
            }
            send(exchange, 200, "text/html; charset=utf-8", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
    }
}
