package io.github.camelllm.cost;

import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.Usage;

import java.math.BigDecimal;
import java.util.List;
import java.util.TreeSet;

/**
 * The money of one run: what its answers cost (from the usage each answer reports, at the price of the model the
 * line asked for), and, under a spend cap, what the calls in flight may still cost at worst.
 * <p>
 * Before a call (or a Batch API shard) is sent, it reserves its worst case: its input tokens plus its most
 * output tokens at its model's price. It goes when what was answered plus what is reserved plus its own worst
 * case stays within the cap; when only the reservations of calls in flight stand in the way it waits for them
 * (their answers usually cost far less than their worst case); otherwise the run has reached its cap: no further
 * call is made for it, and its remaining lines end as {@code budget_exceeded} errors. A model without a price is
 * never called under a cap, nor is a line whose output nothing bounds.
 */
public final class RunSpend {

    /** The error type of a line the cap refused to call. */
    public static final String BUDGET_EXCEEDED = "budget_exceeded";

    /** What the cap says about one call or shard. */
    public enum Verdict {
        /** Send it: its worst case is reserved until {@link #release}. */
        GO,
        /** Not now: calls in flight hold reservations that may be freed when they are answered. */
        WAIT,
        /** Never: it would pass the cap (or cannot be priced or bounded); it ends as budget_exceeded. */
        REFUSE
    }

    /** A decision; the reservation is held when the verdict is GO (release it when the call has its answer). */
    public record Outcome(Verdict verdict, Reservation reservation, String reason) {
        public boolean go() {
            return verdict == Verdict.GO;
        }
    }

    /** The worst case reserved for one call or shard in flight. */
    public static final class Reservation {
        private final BigDecimal usd;
        private boolean released;

        private Reservation(BigDecimal usd) {
            this.usd = usd;
        }

        public BigDecimal usd() {
            return usd;
        }
    }

    private static final Reservation NONE = new Reservation(BigDecimal.ZERO);

    /**
     * Told of what each answer recorded from here on cost (the meters); the answers a resumed run replays from
     * its journal were counted by the process that received them.
     */
    private volatile SpendListener listener = SpendListener.NONE;
    private final SpendRules rules;
    private final Tally realtime = new Tally();
    private final Tally batch = new Tally();
    private final TreeSet<String> unpriced = new TreeSet<>();
    private BigDecimal answeredUsd = BigDecimal.ZERO;
    private BigDecimal reservedUsd = BigDecimal.ZERO;
    private BigDecimal batchSavedUsd = BigDecimal.ZERO;
    private long budgetExceeded;
    /** Set once the cap is reached: every later call of the run is refused with this reason. */
    private String capReached;

    RunSpend(SpendRules rules) {
        this.rules = rules;
    }

    public SpendRules rules() {
        return rules;
    }

    /** From now on, every priced answer {@link #record}ed is also told to this listener, with its cost. */
    public void reportTo(SpendListener listener) {
        this.listener = listener == null ? SpendListener.NONE : listener;
    }

    /** Tokens and USD of one route. */
    private static final class Tally {
        long lines;
        long prompt;
        long cached;
        long completion;
        long unpricedLines;
        BigDecimal usd = BigDecimal.ZERO;

        RunCost.Route snapshot() {
            return new RunCost.Route(lines, prompt, cached, completion, RunCost.rounded(usd), unpricedLines);
        }
    }

    // ------------------------------------------------------------------------------------------ answers

    /** Counts a final result: its usage at its model's price (batch lines at half price), or a refusal. */
    public synchronized void record(PromptResult result) {
        if (PromptResult.ERROR.equals(result.status()) && result.error() != null
                && BUDGET_EXCEEDED.equals(result.error().type())) {
            budgetExceeded++;
        }
        Usage usage = result.usage();
        if (usage == null) {
            return;
        }
        boolean isBatch = PromptRequest.BATCH.equals(result.route());
        Tally tally = isBatch ? batch : realtime;
        tally.lines++;
        tally.prompt += usage.promptTokens();
        tally.cached += usage.cachedTokens();
        tally.completion += usage.completionTokens();
        ModelPrice price = rules.prices().find(result.model());
        if (price == null) {
            tally.unpricedLines++;
            unpriced.add(result.model() == null ? "(no model)" : result.model());
            return;
        }
        BigDecimal usd = price.cost(usage.promptTokens(), usage.cachedTokens(), usage.completionTokens(), isBatch);
        tally.usd = tally.usd.add(usd);
        answeredUsd = answeredUsd.add(usd);
        listener.spent(result.model(), isBatch ? PromptRequest.BATCH : PromptRequest.REALTIME, usd);
        if (isBatch) {
            batchSavedUsd = batchSavedUsd.add(price.cost(usage.promptTokens(), usage.cachedTokens(),
                    usage.completionTokens(), false).subtract(usd));
        }
    }

    /** What the priced answers cost so far. */
    public synchronized BigDecimal answeredUsd() {
        return answeredUsd;
    }

    // ------------------------------------------------------------------------------------------ the cap

    /** Asks the cap for one call of this request (its worst case). Without a cap every call goes. */
    public Outcome reserve(PromptRequest request, boolean isBatch) {
        return reserve(request.model(), List.of(request.body()), isBatch);
    }

    /**
     * Asks the cap for a call or a Batch API shard: the worst case of these request bodies, all of one model.
     * Without a cap every call goes (nothing is reserved).
     */
    public Outcome reserve(String model, Iterable<String> bodies, boolean isBatch) {
        if (!rules.capped()) {
            return new Outcome(Verdict.GO, NONE, null);
        }
        ModelPrice price = rules.prices().find(model);
        if (price == null) {
            return refuse("no price for model " + model + ": set " + rules.pricesSetting() + " (e.g. " + model
                    + "=INPUT/OUTPUT in USD per 1M tokens); under " + rules.capSetting() + " a model without a "
                    + "price is not called");
        }
        BigDecimal worst = BigDecimal.ZERO;
        for (String body : bodies) {
            RequestTokens tokens = RequestTokens.of(model, body, price);
            if (!tokens.bounded()) {
                return refuse("nothing bounds the answer's length (no max_tokens or max_completion_tokens, and the "
                        + "output limit of model " + model + " is unknown): under " + rules.capSetting()
                        + " set max_tokens on the line");
            }
            worst = worst.add(price.cost(tokens.inputTokens(), 0, tokens.maxOutputTokens(), isBatch));
        }
        return reserve(worst);
    }

    private synchronized Outcome refuse(String reason) {
        return new Outcome(Verdict.REFUSE, null, reason);
    }

    private synchronized Outcome reserve(BigDecimal worst) {
        if (capReached != null) {
            return new Outcome(Verdict.REFUSE, null, capReached);
        }
        BigDecimal cap = rules.capUsd();
        if (answeredUsd.add(reservedUsd).add(worst).compareTo(cap) <= 0) {
            reservedUsd = reservedUsd.add(worst);
            return new Outcome(Verdict.GO, new Reservation(worst), null);
        }
        if (reservedUsd.signum() > 0 && answeredUsd.add(worst).compareTo(cap) <= 0) {
            return new Outcome(Verdict.WAIT, null, null);
        }
        capReached = "spend cap reached: " + rules.capSetting() + "=" + cap.stripTrailingZeros().toPlainString()
                + " USD; " + RunCost.usd(answeredUsd) + " answered, " + RunCost.usd(reservedUsd)
                + " reserved for calls in flight, and the next call may cost up to " + RunCost.usd(worst)
                + ": no further call is made for this run";
        return new Outcome(Verdict.REFUSE, null, capReached);
    }

    /** Takes a reservation for a batch already submitted before a restart: it is in flight whatever the cap. */
    public Reservation hold(String model, Iterable<String> bodies) {
        if (!rules.capped()) {
            return NONE;
        }
        ModelPrice price = rules.prices().find(model);
        if (price == null) {
            return NONE;
        }
        BigDecimal worst = BigDecimal.ZERO;
        for (String body : bodies) {
            RequestTokens tokens = RequestTokens.of(model, body, price);
            worst = worst.add(price.cost(tokens.inputTokens(), 0, Math.max(0, tokens.maxOutputTokens()), true));
        }
        synchronized (this) {
            reservedUsd = reservedUsd.add(worst);
        }
        return new Reservation(worst);
    }

    /** The call (or shard) has its answer, which {@link #record} counted: its worst case is no longer held. */
    public synchronized void release(Reservation reservation) {
        if (reservation == null || reservation == NONE || reservation.released) {
            return;
        }
        reservation.released = true;
        reservedUsd = reservedUsd.subtract(reservation.usd);
        notifyAll();
    }

    /** Waits (at most this long) for a reservation to be released; false when interrupted. */
    public synchronized boolean awaitRelease(long timeoutMs) {
        try {
            wait(timeoutMs);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Why the run makes no further calls, or null while it is within its cap. */
    public synchronized String capReached() {
        return capReached;
    }

    // ------------------------------------------------------------------------------------------ snapshot

    public synchronized RunCost snapshot() {
        return new RunCost(RunCost.rounded(answeredUsd), realtime.snapshot(), batch.snapshot(),
                RunCost.rounded(batchSavedUsd), List.copyOf(unpriced), rules.capUsd(), RunCost.rounded(reservedUsd),
                budgetExceeded);
    }
}
