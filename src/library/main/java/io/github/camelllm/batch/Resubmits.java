package io.github.camelllm.batch;

/**
 * When a batch that failed on the enqueued-token limit is created again: after a delay that starts at one poll
 * interval and doubles with each resubmission (up to {@link #MAX_DELAY_MS}), at most {@code max} times, so a
 * limit that never frees cannot leave a run unfinishable.
 *
 * @param max         llm.batch.max-resubmits (0 = a failed batch is never created again)
 * @param firstDelayMs the first delay: llm.batch.poll-interval-ms
 */
record Resubmits(int max, long firstDelayMs) {

    /** Enqueued batches take minutes to hours; waiting longer than this between two tries gains nothing. */
    static final long MAX_DELAY_MS = 10 * 60_000L;

    boolean allowed(ShardJob job) {
        return job.saved().resubmits() < max;
    }

    /** The delay before resubmission number {@code n} (1-based). */
    long delayMs(int n) {
        long delay = Math.max(1, firstDelayMs);
        for (int i = 1; i < n && delay < MAX_DELAY_MS; i++) {
            delay *= 2;
        }
        return Math.min(delay, Math.max(MAX_DELAY_MS, firstDelayMs));
    }
}
