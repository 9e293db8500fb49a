package io.github.camelllm.flow;

import io.github.camelllm.config.PropertyNames;
import io.github.camelllm.openai.ApiFailure;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fault or an outage is over only when a call sent after it was found is answered: the late answers of calls that
 * were already in flight say nothing about now, and must not make the state (and the log) flap.
 */
class StateChangesOnceTest {

    static final long SECOND = 1_000_000_000L;

    @Test
    void an_answer_to_a_call_sent_before_the_account_ran_dry_does_not_end_the_fault() {
        Faults faults = new Faults(false, 60_000, UnaryOperator.identity(), new PropertyNames("llm"));
        ApiFailure quota = ApiFailure.of(429, Map.of(), ("{\"error\":{\"message\":\"You exceeded your current quota\","
                + "\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}").getBytes(StandardCharsets.UTF_8));
        long trippedAt = 10 * SECOND;
        faults.trip(quota, "m", trippedAt);

        assertThat(faults.cleared("m", trippedAt - SECOND)).as("sent before: old news").isFalse();
        assertThat(faults.any()).isTrue();
        assertThat(faults.cleared("m", trippedAt + SECOND)).as("sent after: the account has credit again").isTrue();
        assertThat(faults.any()).isFalse();
    }

    @Test
    void an_answer_to_a_call_sent_before_the_outage_began_does_not_end_it() {
        OutageBreaker outage = new OutageBreaker(900_000, 30_000);
        long openedAt = 10 * SECOND;
        for (int i = 0; i < OutageBreaker.MIN_CALLS; i++) {
            outage.failed("HTTP 503", false, openedAt);
        }
        assertThat(outage.isOpen()).isTrue();

        assertThat(outage.answered(openedAt - SECOND)).isFalse();
        assertThat(outage.isOpen()).isTrue();
        assertThat(outage.answered(openedAt + SECOND)).isTrue();
        assertThat(outage.isOpen()).isFalse();
    }
}
