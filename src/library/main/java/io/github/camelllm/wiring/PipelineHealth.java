package io.github.camelllm.wiring;

import io.github.camelllm.flow.CallGate;
import io.github.camelllm.run.RunRegistry;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;

import java.util.Map;

/**
 * One pipeline's health for Camel's health checks (and so Spring Boot's actuator, or Camel Main's health endpoint,
 * when the host has camel-health): DOWN while a fault no retry fixes (a refused key, an empty account) or an outage
 * of the API holds the calls, UP otherwise; the details say how many runs are open. Readiness only: a pipeline
 * that waits for its API to come back is alive and recovers by itself.
 */
final class PipelineHealth implements HealthCheck {

    private final String pipeline;
    private final CallGate gate;
    private final RunRegistry runs;
    private volatile boolean enabled = true;

    PipelineHealth(String pipeline, CallGate gate, RunRegistry runs) {
        this.pipeline = pipeline;
        this.gate = gate;
        this.runs = runs;
    }

    @Override
    public String getGroup() {
        return "camel-llm-pipeline";
    }

    @Override
    public String getId() {
        return "llm-pipeline-" + pipeline;
    }

    @Override
    public boolean isEnabled() {
        return enabled;
    }

    @Override
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    public Result call(Map<String, Object> options) {
        HealthCheckResultBuilder result = HealthCheckResultBuilder.on(this)
                .detail("pipeline", pipeline)
                .detail("active.runs", runs.activeRuns());
        if (gate.healthy()) {
            return result.up().build();
        }
        return result.down().message("pipeline " + pipeline + ": " + (gate.outage() ? "the API is down (an outage is "
                + "ridden out, probing)" : "a fault no retry fixes holds the calls (probing)")).build();
    }
}
