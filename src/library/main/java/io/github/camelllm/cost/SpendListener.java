package io.github.camelllm.cost;

import java.math.BigDecimal;

/**
 * Told by a run's ledger ({@link RunSpend}) of what each priced answer cost, the very amount the ledger added to
 * the run's total: what the cost meter counts, so the meter and the summary never disagree. Called on the results
 * stage's thread while the ledger is locked: it must be quick and must not throw.
 */
@FunctionalInterface
public interface SpendListener {

    /** Tells nobody. */
    SpendListener NONE = (model, route, usd) -> {
    };

    /**
     * @param model the model the line asked for (it has a price)
     * @param route {@code realtime} or {@code batch}
     * @param usd   what the answer cost, at its route's price
     */
    void spent(String model, String route, BigDecimal usd);
}
