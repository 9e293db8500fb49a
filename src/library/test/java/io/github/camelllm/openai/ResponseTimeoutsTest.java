package io.github.camelllm.openai;

import io.github.camelllm.config.PipelineConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** When an attempt passes llm.timeout.response-ms: cut it, or wait on for an answer the server is computing. */
class ResponseTimeoutsTest {

    ResponseTimeouts timeouts(long ms) {
        return new ResponseTimeouts(PipelineConfig.of(Map.of("timeout.response-ms", Long.toString(ms))).calls());
    }

    @Test
    void a_server_not_known_to_answer_is_cut_at_the_deadline() {
        assertThat(timeouts(1000).keepWaiting()).isFalse();
    }

    @Test
    void on_a_reachable_server_whose_calls_all_miss_the_deadline_the_answers_are_waited_for() {
        ResponseTimeouts t = timeouts(1000);
        t.reachable();
        assertThat(t.keepWaiting()).as("no call answered in time yet").isTrue();
        t.answered(3200);
        assertThat(t.keepWaiting()).as("the one answer came late").isTrue();
        assertThat(t.hardLimitMs()).isGreaterThan(t.timeoutMs());
    }

    @Test
    void when_other_calls_answer_in_time_a_call_past_its_deadline_hangs_and_is_cut() {
        ResponseTimeouts t = timeouts(1000);
        t.reachable();
        t.answered(200);
        assertThat(t.keepWaiting()).isFalse();
        for (int i = 0; i < ResponseTimeouts.WINDOW; i++) {
            t.answered(2500); // the server became slower than the setting for every call
        }
        assertThat(t.keepWaiting()).isTrue();
    }

    @Test
    void the_suggested_setting_leaves_room_over_the_latency_seen() {
        assertThat(ResponseTimeouts.suggestion(1557)).isEqualTo(5000);
        assertThat(ResponseTimeouts.suggestion(40_000)).isEqualTo(120_000);
    }
}
