package io.github.camelllm.flow;

import io.github.camelllm.flow.ConcurrencyLimit.Signal;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The adaptive limit on calls in flight: when it goes down, how far, and how it comes back. */
class ConcurrencyLimitTest {

    final ConcurrencyLimit limit = new ConcurrencyLimit(40);
    long now = 1_000;

    /** One call sent now and answered a moment later with this signal. */
    void call(Signal signal) {
        assertThat(limit.tryAcquire()).isTrue();
        long sent = now++;
        limit.release(signal, sent, now++, signal.name());
    }

    @Test
    void a_healthy_server_keeps_every_call_slot() {
        for (int i = 0; i < 500; i++) {
            call(Signal.FINE);
        }
        assertThat(limit.limit()).isEqualTo(40);
        assertThat(limit.decreases()).isZero();
    }

    @Test
    void a_server_that_keeps_saying_too_much_gets_down_to_one_call_at_a_time() {
        for (int i = 0; i < 200; i++) {
            call(Signal.OVERLOADED);
        }
        assertThat(limit.limit()).isEqualTo(1);
    }

    @Test
    void one_decrease_per_round_trip_whatever_the_number_of_answers_that_say_too_much() {
        List<Long> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            assertThat(limit.tryAcquire()).isTrue();
            sent.add(now++);
        }
        for (long at : sent) {
            limit.release(Signal.OVERLOADED, at, now++, "429");
        }
        assertThat(limit.limit()).as("20 answers to calls sent before the first decrease").isEqualTo(28);
        assertThat(limit.decreases()).isEqualTo(1);
    }

    @Test
    void a_few_random_429s_leave_the_limit_alone() {
        for (int i = 0; i < 1000; i++) {
            call(i % 50 == 7 ? Signal.OVERLOADED : Signal.FINE); // 2 %
        }
        assertThat(limit.decreases()).isZero();
        assertThat(limit.limit()).isEqualTo(40);
    }

    @Test
    void failures_lower_it_to_a_quarter_at_most_and_answers_grow_it_back() {
        for (int i = 0; i < 300; i++) {
            call(i % 7 == 0 ? Signal.FINE : Signal.FAILED);
        }
        assertThat(limit.limit()).isEqualTo(10);
        for (int i = 0; i < 2000 && limit.limit() < 40; i++) {
            call(Signal.FINE);
        }
        assertThat(limit.limit()).isEqualTo(40);
    }

    @Test
    void a_call_waits_in_line_until_an_answer_frees_a_permit() {
        ConcurrencyLimit two = new ConcurrencyLimit(2);
        assertThat(two.tryAcquire()).isTrue();
        assertThat(two.tryAcquire()).isTrue();
        assertThat(two.tryAcquire()).isFalse();
        Runnable waiter = () -> {
        };
        assertThat(two.await(waiter)).isTrue();
        assertThat(two.release(Signal.FINE, 0, 1, "ok")).containsExactly(waiter);
        assertThat(two.inFlight()).isEqualTo(1);
        assertThat(two.await(waiter)).as("a permit is free: no need to wait").isFalse();
    }
}
