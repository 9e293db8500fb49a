package io.github.camelllm.app;

import org.apache.camel.CamelContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

/**
 * The service found the API unusable at start: it takes no prompt file (its inbox and schedule routes wait) and
 * says so once, then checks again at growing intervals (1 s, 2 s, 4 s … up to {@code llm.faults.probe-interval-ms})
 * and starts those routes when the API answers. A stop meanwhile is immediate: nothing was taken.
 */
final class ApiHold implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApiHold.class);
    private static final long FIRST_INTERVAL_MS = 1000;

    private final CamelContext context;
    private final ApiCheck check;
    private final ApiCheck.Outcome first;
    private final List<String> routes;
    private final long maxIntervalMs;
    private final Thread thread;
    private volatile boolean closed;

    ApiHold(CamelContext context, ApiCheck check, ApiCheck.Outcome first, List<String> routes, Duration maxInterval) {
        this.context = context;
        this.check = check;
        this.first = first;
        this.routes = List.copyOf(routes);
        this.maxIntervalMs = Math.max(FIRST_INTERVAL_MS, maxInterval.toMillis());
        this.thread = new Thread(this::holdUntilTheApiAnswers, "llm-api-hold");
        this.thread.setDaemon(true);
    }

    void start() {
        LOG.error("{} — no prompt file is taken until the API answers; checking again at growing intervals, up to "
                + "every {} s", first.message(), maxIntervalMs / 1000);
        thread.start();
    }

    private void holdUntilTheApiAnswers() {
        long interval = FIRST_INTERVAL_MS;
        String last = first.message();
        try {
            while (!closed) {
                Thread.sleep(interval);
                ApiCheck.Outcome now = check.check();
                if (closed) {
                    return;
                }
                if (now.ok()) {
                    LOG.warn("the API answers now: taking prompt files");
                    for (String route : routes) {
                        context.getRouteController().startRoute(route);
                    }
                    return;
                }
                if (!now.message().equals(last)) {
                    LOG.warn("still holding: {}", now.message()); // only when the reason changes
                    last = now.message();
                }
                interval = Math.min(maxIntervalMs, interval * 2);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (!closed) {
                LOG.error("cannot start taking prompt files: {}", e.getMessage());
            }
        }
    }

    /** Whether prompt files are still held back. */
    boolean holding() {
        return thread.isAlive();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
