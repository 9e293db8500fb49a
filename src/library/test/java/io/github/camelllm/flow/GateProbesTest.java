package io.github.camelllm.flow;

import io.github.camelllm.config.PropertyNames;
import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.openai.CallState;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** The gate's own probes: when they go, for which model and health check, and when they do not. */
class GateProbesTest {

    static final long SECOND = 1_000_000_000L;

    final OutageBreaker outage = new OutageBreaker(600_000, 60_000);
    final Faults faults = new Faults(true, 5_000, UnaryOperator.identity(),
            new PropertyNames(PropertyNames.DEFAULT));
    final GateProbes probes = new GateProbes(outage, faults, UnaryOperator.identity());
    final List<CallState> sent = new ArrayList<>();

    GateProbesTest() {
        probes.sendWith(sent::add);
    }

    /** Enough failed calls in a row to open the outage breaker at {@code now}. */
    void apiDown(long now) {
        for (int i = 0; i < OutageBreaker.MIN_FAILURES; i++) {
            outage.failed("HTTP 502", false, now);
        }
        assertThat(outage.isOpen()).isTrue();
    }

    @Test
    void an_outage_is_probed_once_its_probe_is_due_with_the_latest_model() {
        long now = 0;
        probes.modelSeen("gpt-4o-mini");
        apiDown(now);

        probes.sendDue(now + SECOND / 2);
        assertThat(sent).as("the first probe is due a second after the breaker opened").isEmpty();

        probes.sendDue(now + SECOND);
        assertThat(sent).hasSize(1);
        CallState probe = sent.get(0);
        assertThat(probe.probe()).isEqualTo(OutageBreaker.PROBE);
        assertThat(probe.request().model()).isEqualTo("gpt-4o-mini");
        assertThat(probe.request().body()).contains("\"model\":\"gpt-4o-mini\"").contains("\"max_tokens\":1");

        probes.sendDue(now + 2 * SECOND);
        assertThat(sent).as("one probe at a time: the next after this one's answer").hasSize(1);
    }

    @Test
    void a_refused_model_is_probed_with_that_model_and_a_refused_key_with_the_latest_one() {
        long now = 0;
        probes.modelSeen("gpt-4o-mini");
        faults.trip(ApiFailure.of(404, Map.of(), error("model_not_found")), "gpt-9", now);
        faults.trip(ApiFailure.of(401, Map.of(), error("invalid_api_key")), "gpt-4o-mini", now);

        probes.sendDue(now + 4 * SECOND);
        assertThat(sent).as("fault probes go every llm.faults.probe-interval-ms").isEmpty();

        probes.sendDue(now + 5 * SECOND);
        assertThat(sent).extracting(CallState::probe, c -> c.request().model())
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("model:gpt-9", "gpt-9"),
                        org.assertj.core.groups.Tuple.tuple(Faults.ALL, "gpt-4o-mini"));
    }

    @Test
    void no_probe_before_a_prompt_named_a_model_nor_after_stop() {
        apiDown(0);
        probes.sendDue(SECOND);
        assertThat(sent).as("no model to ask for yet").isEmpty();

        probes.modelSeen("gpt-4o-mini");
        probes.stop();
        probes.sendDue(2 * SECOND);
        assertThat(sent).as("stopping").isEmpty();
    }

    @Test
    void a_sender_that_fails_does_not_stop_the_probes() {
        GateProbes failing = new GateProbes(outage, faults, UnaryOperator.identity());
        failing.sendWith(call -> {
            throw new IllegalStateException("client closed");
        });
        failing.modelSeen("gpt-4o-mini");
        apiDown(0);
        failing.sendDue(SECOND); // logged, not thrown: the gate's timer goes on
    }

    private static byte[] error(String code) {
        return ("{\"error\":{\"message\":\"refused\",\"code\":\"" + code + "\"}}").getBytes(StandardCharsets.UTF_8);
    }
}
