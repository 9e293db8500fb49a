package io.github.camelllm.config;

import java.util.Map;

/**
 * One pipeline's configuration as typed values, bound once from the validated settings ({@link ConfigBinder}):
 * every number in its range, every choice an enum, every time a {@link java.time.Duration}. Each bean is given the
 * parts it needs; none reads a setting by name.
 *
 * @param name the pipeline's name (its properties are {@code llm.NAME.x}, or {@code llm.x} for the default one)
 */
public record PipelineConfig(String name, ApiConfig api, CallConfig calls, RetryConfig retry,
                             RateLimitConfig rateLimits, FaultConfig faults, InboxConfig inbox, InputConfig input,
                             OutputConfig output, RunsConfig runs, BatchConfig batch, ScheduleConfig schedule,
                             QueueConfig queue, BrokerConfig broker, SimulationConfig simulation,
                             ShutdownConfig shutdown, CostConfig cost,
                             ObserveConfig observe) {

    /** The names of this pipeline's properties. */
    public PropertyNames names() {
        return api.names();
    }

    /**
     * The configuration of the default pipeline from these values ({@code llm.x} keys, or keys without the
     * prefix) over the defaults, checked as properties are: for code that configures a bean without a host.
     */
    public static PipelineConfig of(Map<String, String> values) {
        return SettingsResolver.fromValues(PropertyNames.DEFAULT, values).config();
    }

    /** The default pipeline's configuration with every default. */
    public static PipelineConfig defaults() {
        return of(Map.of());
    }
}
