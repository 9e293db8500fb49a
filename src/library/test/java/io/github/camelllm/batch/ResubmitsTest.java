package io.github.camelllm.batch;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class ResubmitsTest {

    @Test
    void delays_double_from_the_poll_interval_up_to_ten_minutes() {
        Resubmits r = new Resubmits(20, 10_000);
        assertThat(r.delayMs(1)).isEqualTo(10_000);
        assertThat(r.delayMs(2)).isEqualTo(20_000);
        assertThat(r.delayMs(3)).isEqualTo(40_000);
        assertThat(r.delayMs(7)).isEqualTo(Resubmits.MAX_DELAY_MS);
        assertThat(r.delayMs(20)).isEqualTo(Resubmits.MAX_DELAY_MS);
    }

    @Test
    void a_poll_interval_longer_than_the_cap_is_the_delay() {
        assertThat(new Resubmits(3, 900_000).delayMs(3)).isEqualTo(900_000);
    }

    @Test
    void bounded_by_max() {
        Resubmits r = new Resubmits(2, 100);
        assertThat(r.allowed(new TestJob().resubmits(1).in(Path.of("batches")))).isTrue();
        assertThat(r.allowed(new TestJob().resubmits(2).in(Path.of("batches")))).isFalse();
    }
}
