package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorMainTest {

    @Test
    void parsesSpaceAndEqualsForms() {
        Map<String, String> flags = SimulatorMain.parseFlags(new String[] {"--port", "9000", "--latency-ms=150", "--api-key", "sk-x"});

        assertThat(flags).containsEntry("--port", "9000").containsEntry("--latency-ms", "150").containsEntry("--api-key", "sk-x");
    }

    @Test
    void buildsConfigWithPort8089ByDefault() {
        SimulatorConfig config = SimulatorMain.configFrom(SimulatorMain.parseFlags(new String[] {
                "--rate-429", "0.1", "--rate-500", "0.05", "--rate-hang", "0.01", "--retry-after-s", "0.5",
                "--jitter-ms", "20", "--batch-step-ms", "100", "--host", "0.0.0.0"}));

        assertThat(config.port()).isEqualTo(8089);
        assertThat(config.host()).isEqualTo("0.0.0.0");
        assertThat(config.latencyMs()).isEqualTo(200);
        assertThat(config.jitterMs()).isEqualTo(20);
        assertThat(config.rate429()).isEqualTo(0.1);
        assertThat(config.rate500()).isEqualTo(0.05);
        assertThat(config.rateHang()).isEqualTo(0.01);
        assertThat(config.retryAfterSeconds()).isEqualTo(0.5);
        assertThat(config.batchStepMs()).isEqualTo(100);
        assertThat(config.requiredApiKey()).isNull();
    }

    @Test
    void rejectsUnknownFlagsMissingValuesAndBadNumbers() {
        assertThatThrownBy(() -> SimulatorMain.parseFlags(new String[] {"--nope", "1"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown flag: --nope");
        assertThatThrownBy(() -> SimulatorMain.parseFlags(new String[] {"--port"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing value");
        assertThatThrownBy(() -> SimulatorMain.configFrom(Map.of("--latency-ms", "fast")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--latency-ms");
        assertThatThrownBy(() -> SimulatorMain.configFrom(Map.of("--rate-429", "2")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void configValidatesRates() {
        assertThatThrownBy(() -> SimulatorConfig.defaults().withRate429(0.6).withRate500(0.6))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimulatorConfig.defaults().withBatchOutcome("exploded"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
