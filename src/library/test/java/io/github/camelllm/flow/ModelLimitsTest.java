package io.github.camelllm.flow;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The cold start of a model's limits: how many calls go before the first answer says what the limits are. */
class ModelLimitsTest {

    @Test
    void unknown_limits_let_four_calls_go_until_the_first_answer() {
        ModelLimits limits = new ModelLimits(0, 0, 0);
        for (int i = 0; i < CallGate.COLD_START_CALLS; i++) {
            assertThat(limits.coldStart(CallGate.COLD_START_CALLS)).as("cold call " + (i + 1)).isTrue();
        }
        assertThat(limits.coldStart(CallGate.COLD_START_CALLS)).as("one more, before any answer").isFalse();

        limits.coldCallEnded(); // a cold call that got no answer makes room for another
        assertThat(limits.coldStart(CallGate.COLD_START_CALLS)).isTrue();
        assertThat(limits.coldStart(CallGate.COLD_START_CALLS)).isFalse();

        assertThat(limits.firstAnswer()).as("the first answer opens the way").isTrue();
        assertThat(limits.firstAnswer()).isFalse();
        for (int i = 0; i < 100; i++) {
            assertThat(limits.coldStart(CallGate.COLD_START_CALLS)).isTrue();
        }
    }

    @Test
    void one_configured_limit_still_waits_for_the_other_to_be_learnt() {
        assertThat(coldCallsAllowed(new ModelLimits(3_000, 0, 0))).isEqualTo(CallGate.COLD_START_CALLS);
        assertThat(coldCallsAllowed(new ModelLimits(0, 1_000_000, 0))).isEqualTo(CallGate.COLD_START_CALLS);
    }

    @Test
    void both_limits_configured_let_every_call_go_to_the_buckets() {
        ModelLimits limits = new ModelLimits(3_000, 1_000_000, 0);
        assertThat(coldCallsAllowed(limits)).isEqualTo(100);
        assertThat(limits.firstAnswer()).as("no call was held for it").isFalse();
    }

    private static int coldCallsAllowed(ModelLimits limits) {
        int allowed = 0;
        for (int i = 0; i < 100; i++) {
            if (limits.coldStart(CallGate.COLD_START_CALLS)) {
                allowed++;
            }
        }
        return allowed;
    }
}
