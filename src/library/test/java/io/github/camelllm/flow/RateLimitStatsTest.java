package io.github.camelllm.flow;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a run's summary says about rate limits: its 429 answers and the time calls were held back. */
class RateLimitStatsTest {

    static final long SECOND = 1_000_000_000L;

    final RateLimitStats stats = new RateLimitStats();

    @Test
    void rate_limited_answers_count_for_their_own_run() {
        long now = System.nanoTime();
        stats.runActive("a", now);
        stats.runActive("b", now);
        stats.rateLimited("a");
        stats.rateLimited("a");
        stats.rateLimited("b");
        stats.rateLimited("never-active");

        assertThat(stats.of("a").rateLimitedAnswers()).isEqualTo(2);
        assertThat(stats.of("b").rateLimitedAnswers()).isEqualTo(1);
        assertThat(stats.of("never-active")).isEqualTo(new RateLimitStats.RunStats(0, 0));
    }

    @Test
    void throttled_time_is_the_union_of_the_waits_while_the_run_was_active() {
        long t0 = System.nanoTime() - 10 * SECOND;
        stats.throttled(t0 - 5 * SECOND, t0 - 4 * SECOND); // before the run: not its own
        stats.runActive("run", t0);
        stats.throttled(t0 + SECOND, t0 + 3 * SECOND);
        stats.throttled(t0 + 2 * SECOND, t0 + 4 * SECOND); // overlaps: one more second
        stats.throttled(t0 + 6 * SECOND, t0 + 7 * SECOND);

        assertThat(stats.of("run").throttledMs()).isEqualTo(4_000);
    }

    @Test
    void a_wait_still_ahead_counts_only_up_to_now() {
        long now = System.nanoTime();
        stats.runActive("run", now);
        stats.throttled(now, now + 60 * SECOND);

        assertThat(stats.of("run").throttledMs()).isBetween(0L, 5_000L);
    }

    @Test
    void a_run_that_starts_later_counts_from_its_start_and_a_forgotten_run_is_gone() {
        long t0 = System.nanoTime() - 10 * SECOND;
        stats.runActive("first", t0);
        stats.throttled(t0, t0 + 2 * SECOND);
        stats.runActive("second", t0 + 5 * SECOND);
        stats.throttled(t0 + 6 * SECOND, t0 + 7 * SECOND);
        stats.rateLimited("second");

        assertThat(stats.of("first").throttledMs()).isEqualTo(3_000);
        assertThat(stats.of("second").throttledMs()).isEqualTo(1_000);

        stats.forget("second");
        assertThat(stats.of("second")).isEqualTo(new RateLimitStats.RunStats(0, 0));
        assertThat(stats.of("first").rateLimitedAnswers()).isZero();
    }
}
