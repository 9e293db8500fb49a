package io.github.camelllm.flow;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The longest wait a server may impose ({@code llm.retry.max-retry-after-ms}), for the whole pipeline: one
 * prompt's retry and the gate's pause of every caller alike. A longer wait (a gateway's {@code Retry-After: 3600})
 * is cut to it, and said once per episode, with its length and cause: an episode ends at the next usable answer.
 */
final class ServerWaits {

    private static final Logger LOG = LoggerFactory.getLogger(ServerWaits.class);

    private final long maxMs;
    private final String property;
    private final AtomicBoolean told = new AtomicBoolean();

    ServerWaits(long maxMs, String property) {
        this.maxMs = maxMs;
        this.property = property;
    }

    /** The wait to keep of {@code askedMs}, which the server asked for in {@code cause}. */
    long cap(long askedMs, String cause) {
        if (askedMs <= maxMs) {
            return askedMs;
        }
        if (told.compareAndSet(false, true)) {
            LOG.warn("the server asks for a wait of {} s ({}): waiting {} s at most ({}={})", askedMs / 1000, cause,
                    maxMs / 1000, property, maxMs);
        }
        return maxMs;
    }

    /** A usable answer: the next overlong wait is said again. */
    void episodeOver() {
        if (told.get()) {
            told.set(false);
        }
    }
}
