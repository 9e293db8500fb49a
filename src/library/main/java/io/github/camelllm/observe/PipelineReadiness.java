package io.github.camelllm.observe;

import io.github.camelllm.flow.CallGate;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.util.Map;

/**
 * The pipeline's readiness as a Camel health check: DOWN while it holds its calls because of a fault that no retry
 * fixes (a refused key, an empty account, an unknown model) or an outage of the API, UP again once they go out.
 * It is no liveness check: a pipeline that holds is alive, and recovers by itself when its probe gets through.
 */
final class PipelineReadiness extends AbstractHealthCheck {

    private final CallGate gate;

    PipelineReadiness(String pipeline, CallGate gate) {
        super("camel-llm-pipeline", "llm-pipeline-" + pipeline);
        this.gate = gate;
    }

    @Override
    public boolean isLiveness() {
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        if (gate.faulted()) {
            builder.down().message("calls are held: the API refuses them (key, account or model); see the log")
                    .detail("held.by", "fault");
        } else if (gate.outage()) {
            builder.down().message("calls are held: the API is down (5xx, refused connections or timeouts)")
                    .detail("held.by", "outage");
        } else {
            builder.up();
        }
    }
}
