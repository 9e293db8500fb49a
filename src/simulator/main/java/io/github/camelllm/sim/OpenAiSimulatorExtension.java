package io.github.camelllm.sim;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.function.UnaryOperator;

/**
 * An {@link OpenAiSimulator} for a JUnit 5 test, on a free loopback port:
 * <pre>
 *   &#64;RegisterExtension
 *   static final OpenAiSimulatorExtension api = OpenAiSimulatorExtension.with(c -&gt; c.withLatencyMs(5));
 *   ...
 *   settings.put("NAME.base-url", api.baseUrl());
 * </pre>
 * As a static field it runs for the whole class; as an instance field, a fresh one for each test (so counters start
 * at zero). Stopped after the test (or the class) whatever happened.
 */
public final class OpenAiSimulatorExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {

    private final SimulatorConfig config;
    private OpenAiSimulator simulator;
    private boolean perClass;

    private OpenAiSimulatorExtension(SimulatorConfig config) {
        this.config = config.withPort(0);
    }

    /** A simulator with the defaults: 200 ms latency with jitter, 2 % 429s and 2 % 500s. */
    public static OpenAiSimulatorExtension defaults() {
        return new OpenAiSimulatorExtension(SimulatorConfig.defaults());
    }

    /** A simulator with the defaults changed by {@code change}, e.g. {@code c -> c.withRate429(0)}. */
    public static OpenAiSimulatorExtension with(UnaryOperator<SimulatorConfig> change) {
        return new OpenAiSimulatorExtension(change.apply(SimulatorConfig.defaults()));
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true;
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!perClass) {
            start();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            stop();
        }
    }

    private void start() {
        simulator = new OpenAiSimulator(config);
        simulator.start();
    }

    private void stop() {
        if (simulator != null) {
            simulator.close();
            simulator = null;
        }
    }

    /** The running simulator (its counters, outages, quota). */
    public OpenAiSimulator simulator() {
        if (simulator == null) {
            throw new IllegalStateException("the simulator runs only while a test of its class runs");
        }
        return simulator;
    }

    /** Its base URL, {@code http://127.0.0.1:PORT/v1}, for {@code NAME.base-url}. */
    public String baseUrl() {
        return simulator().baseUrl();
    }
}
