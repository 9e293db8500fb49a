package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

class SimulatorCapacityCheckTest {

    /** Short smoke run so the check itself stays working; the real measurement is the test below. */
    @Test
    void small_run_serves_requests() throws Exception {
        SimulatorCapacityCheck.Result result = SimulatorCapacityCheck.measureInProcess(50, 10,
                Duration.ofMillis(300), Duration.ofMillis(700));

        assertThat(result.requests()).isPositive();
        assertThat(result.errors()).isZero();
        assertThat(result.summary()).startsWith("simulator capacity: ").contains("C=50", "latency=10ms");
    }

    /** ~15 s: run with {@code mvn test -Dsim.capacity=true -Dtest=SimulatorCapacityCheckTest}. */
    @Test
    @EnabledIfSystemProperty(named = "sim.capacity", matches = "true")
    void thousand_connections() throws Exception {
        for (long latency : new long[] {0, 200}) {
            SimulatorCapacityCheck.Result result = SimulatorCapacityCheck.measureInProcess(1000, latency,
                    Duration.ofSeconds(2), Duration.ofSeconds(5));
            System.out.println(result.summary());
            System.out.println(result.details());
            assertThat(result.errors()).isZero();
        }
    }
}
