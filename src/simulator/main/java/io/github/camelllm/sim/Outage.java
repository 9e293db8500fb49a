package io.github.camelllm.sim;

/**
 * The outage currently played on chat calls, if any: switched on and off at once, or a window in
 * run time. Read on every chat call from any event loop, so the state is one immutable value
 * behind a volatile field.
 */
final class Outage {
    private record Window(OutageMode mode, long startNanos, long endNanos) {
    }

    private volatile Window window;

    /** The configured window, counted from the simulator's start. */
    void configure(SimulatorConfig config, long startNanos) {
        if (config.outage() != null) {
            schedule(config.outage(), config.outageAfterMs(), config.outageForMs(), startNanos);
        }
    }

    /** Starts now and lasts until {@link #stop()}. */
    void start(OutageMode mode) {
        schedule(mode, 0, 0, System.nanoTime());
    }

    /** Begins {@code afterMs} from now and lasts {@code forMs} (0 = until stopped). */
    void schedule(OutageMode mode, long afterMs, long forMs) {
        schedule(mode, afterMs, forMs, System.nanoTime());
    }

    void stop() {
        window = null;
    }

    /** The mode in force now, or null. */
    OutageMode current() {
        Window w = window;
        if (w == null) {
            return null;
        }
        long now = System.nanoTime();
        return now - w.startNanos >= 0 && now - w.endNanos < 0 ? w.mode : null;
    }

    private void schedule(OutageMode mode, long afterMs, long forMs, long fromNanos) {
        if (mode == null) {
            stop();
            return;
        }
        long start = fromNanos + afterMs * 1_000_000;
        // Far enough in the future to mean "never", without overflowing nanoTime arithmetic.
        long end = forMs == 0 ? start + Long.MAX_VALUE / 2 : start + forMs * 1_000_000;
        window = new Window(mode, start, end);
    }
}
