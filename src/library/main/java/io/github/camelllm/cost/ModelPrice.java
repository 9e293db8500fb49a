package io.github.camelllm.cost;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * What one model costs, in USD per 1M tokens, as the API bills its usage: input tokens, input tokens the API
 * served from its prompt cache ({@code usage.prompt_tokens_details.cached_tokens}), output tokens. The Batch API
 * bills all three at half price.
 *
 * @param model           the model name the price is for (a base name matches its dated snapshots)
 * @param input           USD per 1M input tokens
 * @param cachedInput     USD per 1M cached input tokens; null when the model has no separate cached price (cached
 *                        tokens are then billed as input)
 * @param output          USD per 1M output tokens
 * @param maxOutputTokens the most output tokens the model writes in one answer, bounding a call without
 *                        {@code max_tokens}; 0 when unknown
 */
public record ModelPrice(String model, BigDecimal input, BigDecimal cachedInput, BigDecimal output,
                         int maxOutputTokens) {

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final BigDecimal HALF = new BigDecimal("0.5");

    /** The Batch API's discount on every token of a batch line. */
    public static final BigDecimal BATCH_FACTOR = HALF;

    public ModelPrice {
        if (input.signum() < 0 || output.signum() < 0 || (cachedInput != null && cachedInput.signum() < 0)) {
            throw new IllegalArgumentException("a price cannot be negative: " + model);
        }
    }

    /** The same price with another output limit. */
    ModelPrice withMaxOutputTokens(int max) {
        return new ModelPrice(model, input, cachedInput, output, max);
    }

    /**
     * What these tokens cost, exactly.
     *
     * @param promptTokens     every input token, the cached ones included (as the API reports prompt_tokens)
     * @param cachedTokens     how many of them the API served from its cache
     * @param completionTokens output tokens
     * @param batch            billed by the Batch API (half price)
     */
    public BigDecimal cost(long promptTokens, long cachedTokens, long completionTokens, boolean batch) {
        long cached = Math.max(0, Math.min(cachedTokens, promptTokens));
        BigDecimal cachedPrice = cachedInput == null ? input : cachedInput;
        BigDecimal usd = input.multiply(BigDecimal.valueOf(promptTokens - cached))
                .add(cachedPrice.multiply(BigDecimal.valueOf(cached)))
                .add(output.multiply(BigDecimal.valueOf(completionTokens)))
                .divide(MILLION, MathContext.DECIMAL128);
        return batch ? usd.multiply(BATCH_FACTOR) : usd;
    }

    /** As it is written in {@code llm.prices}: {@code INPUT/OUTPUT[/CACHED]}. */
    public String describe() {
        return input.stripTrailingZeros().toPlainString() + "/" + output.stripTrailingZeros().toPlainString()
                + (cachedInput == null ? "" : "/" + cachedInput.stripTrailingZeros().toPlainString());
    }
}
