package io.github.camelllm.sim;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The account's credit, counted in successful chat answers: once {@code limit} have been given,
 * every chat call is refused with insufficient_quota until the account is topped up.
 */
final class AccountQuota {
    /** -1 = unlimited. */
    private volatile long limit;
    private final AtomicLong used = new AtomicLong();

    AccountQuota(long limit) {
        this.limit = limit;
    }

    boolean exhausted() {
        long l = limit;
        return l >= 0 && used.get() >= l;
    }

    /** Takes one answer's worth of credit; false when none is left (exact under concurrency). */
    boolean tryUse() {
        while (true) {
            long l = limit;
            long u = used.get();
            if (l >= 0 && u >= l) {
                return false;
            }
            if (used.compareAndSet(u, u + 1)) {
                return true;
            }
        }
    }

    /** A fresh allowance of {@code limit} answers (the limit itself stays). */
    void topUp() {
        used.set(0);
    }

    /** A new limit (-1 = never run out), counted from now. */
    void setLimit(long newLimit) {
        if (newLimit < -1) {
            throw new IllegalArgumentException("quotaAfter must be >= 0, or -1 for never: " + newLimit);
        }
        used.set(0);
        limit = newLimit;
    }

    long limit() {
        return limit;
    }

    long used() {
        return used.get();
    }
}
