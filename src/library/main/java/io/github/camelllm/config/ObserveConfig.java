package io.github.camelllm.config;

import java.time.Duration;

/**
 * How a run can be seen while it goes.
 *
 * @param managementPort   port of the management endpoints; -1 none, 0 any free port
 * @param managementHost   address they listen on
 * @param metricsEnabled   whether the pipeline keeps Micrometer meters at all
 * @param progressInterval how often each active run's progress is logged; zero: never
 */
public record ObserveConfig(int managementPort, String managementHost, boolean metricsEnabled,
                            Duration progressInterval) {

    /** True when the pipeline serves its management endpoints. */
    public boolean serves() {
        return managementPort >= 0;
    }
}
