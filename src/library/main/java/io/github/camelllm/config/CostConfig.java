package io.github.camelllm.config;

import io.github.camelllm.cost.Prices;
import io.github.camelllm.cost.SpendRules;

import java.math.BigDecimal;

/**
 * What the pipeline knows about money.
 *
 * @param prices     the price table: OpenAI's list prices with {@code llm.prices} over them
 * @param maxCostUsd the most one run may spend, in USD ({@code llm.budget.max-cost-usd}); null for no cap
 * @param names      the pipeline's property names, for messages that name the settings
 */
public record CostConfig(Prices prices, BigDecimal maxCostUsd, PropertyNames names) {

    /** The prices and the cap as the runs use them. */
    public SpendRules spendRules() {
        return new SpendRules(prices, maxCostUsd, names.ofKey("llm.budget.max-cost-usd"), names.ofKey("llm.prices"));
    }
}
