package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SimulatorMainTest {

    @Test
    void parses_space_and_equals_forms() {
        Map<String, String> flags = SimulatorMain.parseFlags(new String[] {"--port", "9000", "--latency-ms=150", "--api-key", "sk-x"});

        assertThat(flags).containsEntry("--port", "9000").containsEntry("--latency-ms", "150").containsEntry("--api-key", "sk-x");
    }

    @Test
    void builds_config_with_port_8089_by_default() {
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
    void builds_the_modes_of_servers_that_say_too_much() {
        SimulatorConfig config = SimulatorMain.configFrom(SimulatorMain.parseFlags(new String[] {
                "--concurrency-limit", "10", "--rate-429", "1", "--rate-429-code", "slow_down", "--lying-headers",
                "true"}));

        assertThat(config.concurrencyLimit()).isEqualTo(10);
        assertThat(config.rate429Code()).isEqualTo("slow_down");
        assertThat(config.lyingHeaders()).isTrue();
        assertThat(config.describe()).contains("concurrency-limit=10").contains("429-code=slow_down lying-headers");
        assertThatThrownBy(() -> SimulatorConfig.defaults().withRate429Code("teapot"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rate429Code");
    }

    @Test
    void rejects_unknown_flags_missing_values_and_bad_numbers() {
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
    void config_validates_rates() {
        assertThatThrownBy(() -> SimulatorConfig.defaults().withRate429(0.6).withRate500(0.6))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimulatorConfig.defaults().withBatchOutcome("exploded"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fault_flags() {
        SimulatorConfig config = SimulatorMain.configFrom(SimulatorMain.parseFlags(new String[] {
                "--rpm-limit", "3000", "--tpm-limit=300000", "--rate-limit-burst-ms", "5000",
                "--rate-limit-headers", "false", "--retry-after-headers", "off", "--quota-after", "100",
                "--known-models", "gpt-4o, gpt-4o-mini", "--forbidden-models", "o1", "--outage", "html502", "--outage-after-ms", "30000",
                "--outage-for-ms", "60000", "--trickle-bytes-per-second", "16", "--batch-max-enqueued-tokens", "90000"}));

        assertThat(config.rpmLimit()).isEqualTo(3000);
        assertThat(config.tpmLimit()).isEqualTo(300_000);
        assertThat(config.rateLimitBurstMs()).isEqualTo(5000);
        assertThat(config.rateLimitHeaders()).isFalse();
        assertThat(config.retryAfterHeaders()).isFalse();
        assertThat(config.quotaAfter()).isEqualTo(100);
        assertThat(config.knownModels()).containsExactlyInAnyOrder("gpt-4o", "gpt-4o-mini");
        assertThat(config.forbiddenModels()).containsExactly("o1");
        assertThat(config.outage()).isEqualTo(OutageMode.HTML502);
        assertThat(config.outageAfterMs()).isEqualTo(30_000);
        assertThat(config.outageForMs()).isEqualTo(60_000);
        assertThat(config.trickleBytesPerSecond()).isEqualTo(16);
        assertThat(config.batchMaxEnqueuedTokens()).isEqualTo(90_000);
    }

    @Test
    void fault_defaults_change_nothing() {
        SimulatorConfig config = SimulatorConfig.defaults();

        assertThat(config.rateLimited()).isFalse();
        assertThat(config.rateLimitBurstMs()).isEqualTo(60_000);
        assertThat(config.rateLimitHeaders()).isTrue();
        assertThat(config.retryAfterHeaders()).isTrue();
        assertThat(config.quotaAfter()).isEqualTo(-1);
        assertThat(config.knownModels()).isEmpty();
        assertThat(config.outage()).isNull();
        assertThat(config.trickleBytesPerSecond()).isZero();
        assertThat(config.batchMaxEnqueuedTokens()).isZero();
        assertThatThrownBy(() -> SimulatorMain.configFrom(Map.of("--outage", "sideways")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("html502");
        assertThatThrownBy(() -> SimulatorMain.configFrom(Map.of("--rate-limit-headers", "maybe")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SimulatorConfig.defaults().withRpmLimit(10).withRateLimitBurstMs(1000))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
