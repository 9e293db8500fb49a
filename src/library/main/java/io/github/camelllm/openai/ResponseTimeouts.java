package io.github.camelllm.openai;

import io.github.camelllm.config.CallConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Watches how the attempts end against {@code llm.timeout.response-ms} and decides, when an attempt's deadline
 * passes, whether to cut it (and ask again) or to wait on for its answer.
 * <p>
 * A deadline is there for one call that hangs while the others answer: then it is cut. But when every recent
 * attempt passes its deadline while the server is reachable (it answered the check at start, or any call), the
 * setting is shorter than the server takes to answer: cutting would throw away answers the server is computing —
 * and bills — only to ask for them again, and the calls would look like an outage. Then the attempt waits on, up to
 * {@link #hardLimitMs()}, its answer is kept, and the log says once what happened and what to set, naming
 * {@code llm.timeout.response-ms} and the latency seen.
 */
public final class ResponseTimeouts {

    private static final Logger LOG = LoggerFactory.getLogger(ResponseTimeouts.class);
    /** The attempts that tell: the last this many that ended. */
    static final int WINDOW = 20;
    /** How long past the setting an attempt may wait when every attempt is slower: at least this much. */
    static final long MIN_EXTRA_MS = 300_000;

    private final long timeoutMs;
    private final long hardLimitMs;
    private volatile boolean reachable;
    private final boolean[] inTime = new boolean[WINDOW];
    private int next;
    private int inTimeCount;
    private final AtomicBoolean toldWaiting = new AtomicBoolean();
    private final AtomicBoolean toldLate = new AtomicBoolean();

    public ResponseTimeouts(CallConfig calls) {
        this(calls.responseTimeout().toMillis());
    }

    /** @param timeoutMs {@code llm.timeout.response-ms} */
    public ResponseTimeouts(long timeoutMs) {
        this.timeoutMs = timeoutMs;
        this.hardLimitMs = timeoutMs + Math.max(MIN_EXTRA_MS, 9 * timeoutMs);
    }

    /** The setting: the deadline of an attempt. */
    public long timeoutMs() {
        return timeoutMs;
    }

    /** The longest an attempt waits at all: its deadline, and the time it may be given past it. */
    public long hardLimitMs() {
        return hardLimitMs;
    }

    /** The server is known to answer (the command line checked it before any prompt). */
    public void reachable() {
        reachable = true;
    }

    /**
     * An attempt's deadline passed without its answer.
     *
     * @return true to wait on for the answer (until {@link #hardLimitMs()}), false to cut the attempt now
     */
    public boolean keepWaiting() {
        synchronized (this) {
            if (!reachable || inTimeCount > 0) {
                return false; // the server is unknown, or it answers others in time: this call hangs
            }
        }
        if (toldWaiting.compareAndSet(false, true)) {
            LOG.warn("no answer within llm.timeout.response-ms={} ms, and none of the recent calls got one although "
                    + "the API answers: the setting looks shorter than the server takes. Waiting on for the answers "
                    + "being computed (up to {} s) rather than cutting them and paying for them again", timeoutMs,
                    hardLimitMs / 1000);
        }
        return true;
    }

    /** An HTTP answer (any status) came this long after its attempt was sent. */
    public void answered(long latencyMs) {
        reachable = true;
        boolean late = latencyMs > timeoutMs;
        record(!late);
        if (late && toldLate.compareAndSet(false, true)) {
            LOG.warn("the server answered after {} ms, longer than llm.timeout.response-ms={} ms: the answer is kept, "
                    + "not asked again; set llm.timeout.response-ms above the server's latency (e.g. {})", latencyMs,
                    timeoutMs, suggestion(latencyMs));
        }
    }

    /** An attempt was cut at its deadline (or got no answer at all): it does not count as answered in time. */
    public void cut() {
        record(false);
    }

    private synchronized void record(boolean answeredInTime) {
        if (inTime[next]) {
            inTimeCount--;
        }
        inTime[next] = answeredInTime;
        if (answeredInTime) {
            inTimeCount++;
        }
        next = (next + 1) % WINDOW;
    }

    /** A setting with room to spare: three times the latency seen, rounded up to whole seconds. */
    static long suggestion(long latencyMs) {
        return ((3 * latencyMs + 999) / 1000) * 1000;
    }
}
