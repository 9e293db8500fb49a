package io.github.camelllm.flow;

import org.apache.camel.Route;
import org.apache.camel.support.RoutePolicySupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the inbox from taking new files while the API cannot answer them (a refused key, an empty account,
 * an outage): the route's consumer is suspended while the {@link CallGate} is unhealthy and resumed when a
 * probe gets through, so a service does not burn through its inbox turning every file into errors.
 */
public final class IntakeHoldPolicy extends RoutePolicySupport {

    private static final Logger LOG = LoggerFactory.getLogger(IntakeHoldPolicy.class);

    private final CallGate gate;
    private final ScheduledExecutorService timer;
    private ScheduledFuture<?> check;
    private volatile boolean held;

    public IntakeHoldPolicy(CallGate gate, ScheduledExecutorService timer) {
        this.gate = gate;
        this.timer = timer;
    }

    @Override
    public void onStart(Route route) {
        // a tenth of a second: a fault that ends a file's prompts at once must not let the next file in as well
        check = timer.scheduleWithFixedDelay(() -> follow(route), 100, 100, TimeUnit.MILLISECONDS);
    }

    @Override
    public void onStop(Route route) {
        if (check != null) {
            check.cancel(false);
        }
    }

    /** True while the route takes no new input. */
    public boolean holding() {
        return held;
    }

    private synchronized void follow(Route route) {
        try {
            boolean healthy = gate.healthy();
            if (!healthy && !held) {
                held = true;
                LOG.warn("route {}: no new input is taken until the API answers again", route.getRouteId());
                suspendOrStopConsumer(route.getConsumer());
            } else if (healthy && held) {
                held = false;
                LOG.info("route {}: taking input again", route.getRouteId());
                resumeOrStartConsumer(route.getConsumer());
            }
        } catch (Exception e) {
            LOG.warn("route {}: cannot follow the API's health: {}", route.getRouteId(), e.getMessage());
        }
    }
}
