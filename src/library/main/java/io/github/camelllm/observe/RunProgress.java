package io.github.camelllm.observe;

import io.github.camelllm.cost.RunCost;

import java.time.Duration;
import java.util.Map;

/**
 * Where one run stands, at one moment: what {@code run FILE} prints while it goes, what the service logs and what
 * the status page draws.
 *
 * @param total          how many lines the run has: exact once intake has read the whole input, before that a
 *                       cheap count of the input's lines (blank ones included); -1 while unknown
 * @param done           lines with their final result (those of an earlier, resumed attempt of the run included)
 * @param ok             results of this process that succeeded; {@code error} and {@code invalid} likewise
 * @param pending        prompts handed on and waiting for their result (queued, waiting or in flight)
 * @param inFlight       call slots taken by the whole pipeline (every run)
 * @param rate           results per second over the last seconds
 * @param throttledUntil when the rate limits let calls go again, ms since the epoch; 0 when they do now
 * @param batchJobs      Batch API jobs of the run this process knows of
 * @param batchHeld      Batch API shards of the run held back now (enqueued limits, spend cap), not yet sent
 * @param etaMs          the time left at the current rate; -1 while unknown
 * @param state          running, completed or stopped
 * @param errorTypes     the error types of the run's failed prompts, with counts
 * @param cost           what the run's answers cost so far and its spend cap; null when not known here
 */
public record RunProgress(String runId, String name, long total, long done, long ok, long error, long invalid,
                          long retries, long rateLimited, long pending, long inFlight, double rate,
                          long throttledUntil, int batchJobs, int batchHeld, long elapsedMs, long etaMs, String state,
                          Map<String, Long> errorTypes, RunCost cost) {

    public static final String RUNNING = "running";
    public static final String COMPLETED = "completed";
    public static final String STOPPED = "stopped";

    /** The fraction done, 0 to 1 (0 while the total is unknown). */
    public double fraction() {
        return total <= 0 ? 0 : Math.min(1.0, (double) done / total);
    }

    /**
     * One line a person and a script can read alike: {@code NAME DONE/TOTAL (P%) ok N error N invalid N | R req/s
     * | in flight N | queued N | ... | ETA 3m05s}. The total is {@code ?} while unknown.
     */
    public String line() {
        StringBuilder s = new StringBuilder(160);
        s.append(name).append(' ').append(done).append('/').append(total < 0 ? "?" : Long.toString(total));
        if (total > 0) {
            s.append(String.format(" (%.0f%%)", fraction() * 100));
        }
        s.append(" ok ").append(ok).append(" error ").append(error).append(" invalid ").append(invalid);
        s.append(String.format(" | %.1f req/s", rate));
        s.append(" | in flight ").append(inFlight).append(" | pending ").append(pending);
        if (retries > 0) {
            s.append(" | retries ").append(retries);
        }
        if (rateLimited > 0) {
            s.append(" | 429s ").append(rateLimited);
        }
        long wait = throttledUntil - System.currentTimeMillis();
        if (throttledUntil > 0 && wait > 0) {
            s.append(" | rate-limited, waiting ").append(duration(wait));
        }
        if (batchJobs > 0) {
            s.append(" | batch jobs ").append(batchJobs);
        }
        if (batchHeld > 0) {
            s.append(" | batch shards held ").append(batchHeld);
        }
        String spend = spend();
        if (!spend.isEmpty()) {
            s.append(" | ").append(spend);
        }
        if (!RUNNING.equals(state)) {
            s.append(" | ").append(state).append(" in ").append(duration(elapsedMs));
        } else if (etaMs >= 0) {
            s.append(" | ETA ").append(duration(etaMs));
        }
        return s.toString();
    }

    /** {@code spent $0.0123} and, under a cap, {@code of cap $5.00}; empty when the cost is not known here. */
    public String spend() {
        if (cost == null) {
            return "";
        }
        return "spent " + RunCost.usd(cost.totalUsd()) + (cost.capUsd() == null ? ""
                : " of cap " + RunCost.usd(cost.capUsd()));
    }

    /** 950 ms, 42s, 3m05s, 2h07m. */
    static String duration(long ms) {
        if (ms < 1000) {
            return ms + " ms";
        }
        Duration d = Duration.ofMillis(ms);
        if (d.toHours() > 0) {
            return String.format("%dh%02dm", d.toHours(), d.toMinutesPart());
        }
        if (d.toMinutes() > 0) {
            return String.format("%dm%02ds", d.toMinutes(), d.toSecondsPart());
        }
        return d.toSeconds() + "s";
    }
}
