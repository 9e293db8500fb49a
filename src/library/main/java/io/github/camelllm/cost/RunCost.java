package io.github.camelllm.cost;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

/**
 * What a run cost so far, as one small snapshot: tokens and USD per route, the total, what the Batch API saved
 * against real-time prices, the models that had no price (their tokens are not in the total), and the spend cap
 * with what is reserved for the calls in flight. Written into NAME.summary.json as {@code "cost"}, and readable
 * while the run is in progress ({@code RunRegistry.costOf}).
 *
 * @param totalUsd       what the priced answers cost (USD); lines of unpriced models are not in it
 * @param realtime       the real-time calls
 * @param batch          the Batch API lines
 * @param batchSavedUsd  what the batch lines would have cost more at real-time prices
 * @param unpricedModels models that answered but have no price: their cost is unknown, not zero
 * @param capUsd         the run's spend cap, or null for none
 * @param reservedUsd    the worst case of the calls and batches in flight under the cap (0 without a cap, and
 *                       once the run is over)
 * @param budgetExceeded lines that ended as budget_exceeded errors (the cap refused to call them)
 */
public record RunCost(@JsonProperty("total_usd") BigDecimal totalUsd, Route realtime, Route batch,
                      @JsonProperty("batch_saved_usd") BigDecimal batchSavedUsd,
                      @JsonProperty("unpriced_models") List<String> unpricedModels,
                      @JsonProperty("cap_usd") @JsonInclude(JsonInclude.Include.ALWAYS) BigDecimal capUsd,
                      @JsonProperty("reserved_usd") BigDecimal reservedUsd,
                      @JsonProperty("budget_exceeded") long budgetExceeded) {

    /**
     * Digits after the point in what is written: a ten-billionth of a dollar, exact for any price per 1M tokens
     * with up to three decimals, at the Batch API's half price too.
     */
    public static final int SCALE = 10;

    /**
     * One route's answers.
     *
     * @param lines            answered lines (with token usage)
     * @param promptTokens     input tokens, the cached ones included
     * @param cachedTokens     input tokens the API served from its prompt cache (cheaper where the model has a
     *                         cached price)
     * @param completionTokens output tokens
     * @param costUsd          what the priced lines cost
     * @param unpricedLines    lines of models without a price (not in costUsd)
     */
    public record Route(long lines, @JsonProperty("prompt_tokens") long promptTokens,
                        @JsonProperty("cached_tokens") long cachedTokens,
                        @JsonProperty("completion_tokens") long completionTokens,
                        @JsonProperty("cost_usd") BigDecimal costUsd,
                        @JsonProperty("unpriced_lines") long unpricedLines) {
    }

    /**
     * What the spend cap counts right now: the answered spend plus the worst case reserved for the calls and
     * batches in flight.
     */
    public BigDecimal committedUsd() {
        return totalUsd.add(reservedUsd);
    }

    /** What the cap still allows beyond {@link #committedUsd()} (never below 0), or null without a cap. */
    public BigDecimal remainingUsd() {
        return capUsd == null ? null : capUsd.subtract(committedUsd()).max(BigDecimal.ZERO);
    }

    /** Whether every answer had a price (the total is then the whole cost). */
    public boolean complete() {
        return unpricedModels.isEmpty();
    }

    /** A money amount as written: rounded half up to {@value #SCALE} digits, trailing zeros dropped. */
    public static BigDecimal rounded(BigDecimal usd) {
        if (usd == null) {
            return null;
        }
        BigDecimal r = usd.setScale(SCALE, RoundingMode.HALF_UP).stripTrailingZeros();
        return r.signum() == 0 ? BigDecimal.ZERO : r;
    }

    /** USD for people: {@code $0.0123}, with enough digits to show a small amount. */
    public static String usd(BigDecimal amount) {
        if (amount == null) {
            return "unknown";
        }
        BigDecimal a = amount.abs();
        int scale = a.compareTo(BigDecimal.ONE) >= 0 ? 2 : a.compareTo(new BigDecimal("0.01")) >= 0 ? 4 : 6;
        return "$" + amount.setScale(scale, RoundingMode.HALF_UP).toPlainString();
    }

    /** One line for logs: total, per route, savings, unpriced models, the cap. */
    public String describe() {
        StringBuilder sb = new StringBuilder("cost ").append(usd(totalUsd));
        if (!complete()) {
            sb.append(" + unknown (no price for ").append(String.join(", ", unpricedModels)).append(")");
        }
        sb.append(" (realtime ").append(usd(realtime.costUsd())).append(", batch ").append(usd(batch.costUsd()));
        if (batchSavedUsd.signum() > 0) {
            sb.append(", the Batch API saved ").append(usd(batchSavedUsd));
        }
        sb.append(")");
        if (capUsd != null) {
            sb.append(", cap ").append(usd(capUsd));
            if (budgetExceeded > 0) {
                sb.append(", ").append(budgetExceeded).append(" line(s) not sent (budget_exceeded)");
            }
        }
        return sb.toString();
    }
}
