package io.github.camelllm.observe;

import io.github.camelllm.model.PromptResult;
import io.github.camelllm.run.Run;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the observer counts of one run: its results by status as they are journaled (in this process), and its
 * recent rate, sampled once a second. Counting is a few adds per result; everything else is done by the sampler.
 */
final class RunWatch {

    /** Seconds the rate is averaged over. */
    private static final int RATE_WINDOW = 10;

    final String runId;
    final LongAdder ok = new LongAdder();
    final LongAdder error = new LongAdder();
    final LongAdder invalid = new LongAdder();
    final LongAdder retries = new LongAdder();
    final Map<String, LongAdder> errorTypes = new ConcurrentHashMap<>();

    /** The run while it is active here; set by the sampler. */
    private volatile Run run;
    private volatile long lineCount = -1;
    private final long[] sampleNanos = new long[RATE_WINDOW + 1];
    private final long[] sampleDone = new long[RATE_WINDOW + 1];
    private int samples;
    private volatile double rate;
    private volatile long lastLoggedNanos;

    RunWatch(String runId) {
        this.runId = runId;
    }

    void count(PromptResult result) {
        switch (result.status()) {
            case PromptResult.OK -> ok.increment();
            case PromptResult.ERROR -> {
                error.increment();
                String type = result.error() == null || result.error().type() == null ? "unknown"
                        : result.error().type();
                errorTypes.computeIfAbsent(type, t -> new LongAdder()).increment();
            }
            default -> invalid.increment();
        }
        if (result.attempts() > 1) {
            retries.add(result.attempts() - 1);
        }
    }

    Run run() {
        return run;
    }

    /** Called by the sampler, once a second, while the run is active: counts its input once, keeps its rate. */
    synchronized void sample(Run active, long nowNanos) {
        this.run = active;
        if (lineCount < 0) {
            lineCount = active.input() == null ? 0 : countLines(active.input());
        }
        int slot = samples % sampleNanos.length;
        sampleNanos[slot] = nowNanos;
        sampleDone[slot] = active.resultsRecorded();
        samples++;
        int oldest = samples <= sampleNanos.length ? 0 : samples % sampleNanos.length;
        long dt = nowNanos - sampleNanos[oldest];
        rate = dt <= 0 ? 0 : (sampleDone[slot] - sampleDone[oldest]) * 1e9 / dt;
    }

    /** True when a progress line of this run is due (and notes it as given). */
    boolean logDue(long nowNanos, long intervalNanos) {
        if (nowNanos - lastLoggedNanos < intervalNanos) {
            return false;
        }
        boolean first = lastLoggedNanos == 0;
        lastLoggedNanos = nowNanos;
        return !first; // the first line would say only that the run started, which the pipeline logs anyway
    }

    /** The run's total as far as it is known. */
    long total(Run active) {
        if (active.intakeComplete()) {
            return active.linesRead();
        }
        long counted = lineCount;
        return counted <= 0 ? -1 : Math.max(counted, active.linesRead());
    }

    double rate() {
        return rate;
    }

    Map<String, Long> errorTypes() {
        Map<String, Long> types = new TreeMap<>();
        errorTypes.forEach((type, n) -> types.put(type, n.sum()));
        return types;
    }

    /** Newlines in the file, plus one for a last line without one: cheap, no parsing. Unreadable: unknown. */
    static long countLines(Path file) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            long lines = 0;
            byte last = '\n';
            while (channel.read(buffer) > 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    last = buffer.get();
                    if (last == '\n') {
                        lines++;
                    }
                }
                buffer.clear();
            }
            return last == '\n' ? lines : lines + 1;
        } catch (IOException e) {
            return -1;
        }
    }
}
