package io.github.camelllm.openai;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A streamed body that is closed (and fails with a timeout) when a read waits more than {@code stallMs} for a
 * byte: the JDK client bounds only the wait for the headers of a streamed answer, and a download may take far
 * longer than one answer should, as long as it moves.
 */
final class StallGuard extends FilterInputStream {

    private final long stallMs;
    private final ScheduledFuture<?> watch;
    private volatile long readSince; // System.nanoTime() when the pending read began; 0 when none is pending
    private volatile boolean stalled;

    StallGuard(InputStream in, long stallMs, ScheduledExecutorService timer) {
        super(in);
        this.stallMs = stallMs;
        long period = Math.max(10, Math.min(1000, stallMs / 4));
        watch = timer.scheduleWithFixedDelay(this::watch, period, period, TimeUnit.MILLISECONDS);
    }

    private void watch() {
        long since = readSince;
        if (since != 0 && System.nanoTime() - since > TimeUnit.MILLISECONDS.toNanos(stallMs)) {
            stalled = true;
            try {
                close();
            } catch (IOException ignored) {
                // the pending read fails either way, and says why below
            }
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        readSince = System.nanoTime();
        try {
            return super.read(b, off, len);
        } catch (IOException e) {
            if (stalled) {
                throw new SocketTimeoutException("download stalled: no data for llm.timeout.response-ms="
                        + stallMs + " ms");
            }
            throw e;
        } finally {
            readSince = 0;
        }
    }

    @Override
    public void close() throws IOException {
        watch.cancel(false);
        super.close();
    }
}
