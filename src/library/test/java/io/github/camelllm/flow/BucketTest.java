package io.github.camelllm.flow;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BucketTest {

    static final long SECOND = 1_000_000_000L;

    @Test
    void an_unknown_limit_never_makes_a_caller_wait() {
        Bucket b = new Bucket(0, 0);
        for (int i = 0; i < 1000; i++) {
            assertThat(b.reserve(1, 0)[0]).isZero();
        }
    }

    @Test
    void a_configured_limit_spaces_callers_out_after_about_a_second_of_burst() {
        Bucket b = new Bucket(600, 0); // 10 per second
        long lastWait = 0;
        for (int i = 0; i < 600; i++) {
            lastWait = b.reserve(1, 0)[0];
        }
        assertThat(lastWait / (double) SECOND).as("10 go at once, the 600th a minute less a second later")
                .isCloseTo(59.0, within(0.2));
    }

    @Test
    void the_level_follows_what_the_server_has_left_less_what_was_sent_since() {
        Bucket b = new Bucket(0, 0);
        long[] first = b.reserve(1, 0);
        b.reserve(1, 0);
        b.reserve(1, 0);
        // the answer to the first call: limit 3000/min, 10 left, full again in 5 s -> burst 10 + 250 = 260
        b.learn(3000, 10, 5000, first[1], 0, 0);
        assertThat(b.perMinute()).isEqualTo(3000);
        assertThat(b.capacity()).isCloseTo(260, within(0.01));
        // 10 left, 2 sent since, and 200 ms of refill (10 at 50/s) kept in hand
        assertThat(b.level(0)).isCloseTo(-2, within(0.01));
        long wait = b.reserve(1, 0)[0];
        assertThat(wait / 1e6).as("the next one waits for 3/50 s of refill").isCloseTo(60, within(0.5));
        b.learn(3000, 200, 1200, b.reserve(1, 0)[1], 0, 0);
        assertThat(b.level(0)).as("the server has more than we thought: its view wins").isCloseTo(190, within(0.01));
    }

    @Test
    void a_429_empties_the_bucket() {
        Bucket b = new Bucket(6000, 0);
        b.exhausted(0);
        assertThat(b.reserve(1, 0)[0] / 1e6).isCloseTo(10, within(0.5));
    }
}
