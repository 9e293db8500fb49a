package io.github.camelllm.cost;

import java.math.BigDecimal;

/**
 * What a pipeline knows about money: the price table and the spend cap of each run.
 *
 * @param prices        the price table ({@code llm.prices} over the defaults)
 * @param capUsd        the most a run may spend, in USD; null for no cap ({@code llm.budget.max-cost-usd})
 * @param capSetting    the cap's property name, as messages name it ({@code llm.budget.max-cost-usd}, or
 *                      {@code llm.NAME.budget.max-cost-usd})
 * @param pricesSetting the price table's property name ({@code llm.prices})
 */
public record SpendRules(Prices prices, BigDecimal capUsd, String capSetting, String pricesSetting) {

    public SpendRules {
        if (capUsd != null && capUsd.signum() <= 0) {
            capUsd = null; // 0 means no cap
        }
    }

    /** The default prices and no cap. */
    public static SpendRules none() {
        return new SpendRules(Prices.defaults(), null, "llm.budget.max-cost-usd", "llm.prices");
    }

    public boolean capped() {
        return capUsd != null;
    }

    /** The ledger of a run that starts (or resumes) now. */
    public RunSpend newRun() {
        return new RunSpend(this);
    }
}
