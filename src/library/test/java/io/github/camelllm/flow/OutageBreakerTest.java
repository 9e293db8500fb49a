package io.github.camelllm.flow;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** When the API counts as down: no call succeeds any more, not most calls fail. */
class OutageBreakerTest {

    final OutageBreaker breaker = new OutageBreaker(600_000, 30_000);

    @Test
    void a_healthy_server_that_stops_answering_is_down_after_ten_failures() {
        for (int i = 0; i < 100; i++) {
            breaker.answered(i);
        }
        for (int i = 0; i < OutageBreaker.MIN_FAILURES - 1; i++) {
            assertThat(breaker.failed("HTTP 502", false, i)).isFalse();
        }
        assertThat(breaker.failed("HTTP 502", false, 10)).isTrue();
        assertThat(breaker.isOpen()).isTrue();
    }

    @Test
    void a_server_that_fails_85_percent_of_calls_is_not_down() {
        Random random = new Random(7);
        for (int i = 0; i < 50_000; i++) {
            if (random.nextDouble() < 0.85) {
                breaker.failed("HTTP 500", false, i);
            } else {
                breaker.answered(i);
            }
            assertThat(breaker.isOpen()).as("after %d calls", i).isFalse();
        }
    }

    @Test
    void a_sick_server_that_stops_answering_altogether_is_down_after_an_unlikely_run_of_failures() {
        Random random = new Random(3);
        for (int i = 0; i < 2000; i++) {
            if (random.nextDouble() < 0.85) {
                breaker.failed("HTTP 500", false, i);
            } else {
                breaker.answered(i);
            }
        }
        breaker.answered(2000);
        int failures = 0;
        while (!breaker.isOpen()) {
            breaker.failed("HTTP 502", false, 3000 + failures++);
        }
        assertThat(failures).isBetween(60, 120);
    }

    @Test
    void opened_before_any_answer_it_closes_at_any_answer() {
        for (int i = 0; i < OutageBreaker.MIN_FAILURES; i++) {
            breaker.failed("HTTP 500", false, 100);
        }
        assertThat(breaker.isOpen()).isTrue();
        assertThat(breaker.answered(50)).as("sent before it opened, but the first answer ever").isTrue();
    }

    @Test
    void failures_in_a_row_that_mean_down() {
        assertThat(OutageBreaker.failuresMeaningDown(0)).isEqualTo(10);
        assertThat(OutageBreaker.failuresMeaningDown(0.2)).isEqualTo(10);
        assertThat(OutageBreaker.failuresMeaningDown(0.85)).isEqualTo(86);
        assertThat(OutageBreaker.failuresMeaningDown(0.99)).isEqualTo(OutageBreaker.MAX_FAILURES);
    }
}
