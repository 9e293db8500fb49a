package io.github.camelllm.estimate;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.github.camelllm.cost.ModelPrice;
import io.github.camelllm.cost.RequestTokens;
import io.github.camelllm.cost.RunCost;
import io.github.camelllm.cost.Tokenizer;
import io.github.camelllm.json.Jackson;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link Estimate} found in a prompt file: its lines, prompts and invalid lines, the input tokens, the route
 * each prompt takes, and the cost range, in total, per route and per model. {@link #toText()} for people,
 * {@link #toJson()} for programs (one JSON object; {@code estimated_cost_usd} is {@code {"min": ..., "max": ...}}
 * in USD, {@code max} null when some line's output has no bound).
 *
 * @param file             the file as it was named
 * @param format           jsonl or text
 * @param lines            the lines read (blank lines excluded)
 * @param invalid          the lines that would end as invalid results (never called)
 * @param routes           realtime and batch
 * @param models           each model the prompts name
 * @param invalidLines     the first invalid lines, with their reasons
 * @param batchEnabled     llm.batch.enabled
 * @param longPromptTokens llm.route.long-prompt-tokens
 * @param pricesSetting    the property that sets prices, for the advice on unpriced models
 */
public record EstimateReport(String file, String format, long lines, long invalid,
                             Map<String, RouteEstimate> routes, List<ModelEstimate> models,
                             List<InvalidLine> invalidLines, boolean batchEnabled, int longPromptTokens,
                             String pricesSetting) {

    /** A cost range in USD: min (input only, no prompt-cache hits) to max (every answer at its longest). */
    public record CostRange(BigDecimal min, @JsonInclude(JsonInclude.Include.ALWAYS) BigDecimal max) {
    }

    /**
     * The prompts of one route.
     *
     * @param unpricedLines  prompts of models without a price (not in the cost)
     * @param unboundedLines priced prompts whose output has no bound (no max_tokens, model limit unknown)
     */
    public record RouteEstimate(long prompts, @JsonProperty("input_tokens") long inputTokens,
                                @JsonProperty("max_output_tokens") long maxOutputTokens,
                                @JsonProperty("estimated_cost_usd") CostRange cost,
                                @JsonProperty("unpriced_lines") long unpricedLines,
                                @JsonProperty("unbounded_lines") long unboundedLines) {

        static final class Builder {
            long prompts;
            long input;
            long maxOutput;
            long unpriced;
            long unbounded;
            BigDecimal min = BigDecimal.ZERO;
            BigDecimal max = BigDecimal.ZERO;

            void add(RequestTokens tokens, BigDecimal lineMin, BigDecimal lineMax, boolean priced) {
                prompts++;
                input += tokens.inputTokens();
                if (tokens.bounded()) {
                    maxOutput += tokens.maxOutputTokens();
                }
                if (!priced) {
                    unpriced++;
                    return;
                }
                min = min.add(lineMin);
                if (lineMax == null) {
                    unbounded++;
                } else {
                    max = max.add(lineMax);
                }
            }

            RouteEstimate build() {
                return new RouteEstimate(prompts, input, maxOutput,
                        new CostRange(RunCost.rounded(min), unbounded > 0 ? null : RunCost.rounded(max)), unpriced,
                        unbounded);
            }
        }
    }

    /**
     * The prompts of one model.
     *
     * @param encoding how its input tokens were counted: o200k_base, cl100k_base, or characters/4
     * @param price    its price as {@code INPUT/OUTPUT[/CACHED]} USD per 1M tokens; null when it has none
     */
    public record ModelEstimate(String model, long prompts, @JsonProperty("input_tokens") long inputTokens,
                                String encoding, @JsonInclude(JsonInclude.Include.ALWAYS) String price) {

        static final class Builder {
            final String model;
            final String encoding;
            final ModelPrice price;
            long prompts;
            long input;

            Builder(String model, String encoding, ModelPrice price) {
                this.model = model;
                this.encoding = encoding;
                this.price = price;
            }

            void add(RequestTokens tokens) {
                prompts++;
                input += tokens.inputTokens();
            }

            ModelEstimate build() {
                return new ModelEstimate(model, prompts, input, encoding, price == null ? null : price.describe());
            }
        }
    }

    /** A line that would end as an invalid result, and why. */
    public record InvalidLine(long line, @JsonProperty("custom_id") String customId, String type, String message) {
    }

    /** Prompts that would be sent (lines that are not invalid). */
    public long prompts() {
        return routes.values().stream().mapToLong(RouteEstimate::prompts).sum();
    }

    public long inputTokens() {
        return routes.values().stream().mapToLong(RouteEstimate::inputTokens).sum();
    }

    public long maxOutputTokens() {
        return routes.values().stream().mapToLong(RouteEstimate::maxOutputTokens).sum();
    }

    /** The whole file's cost range; max is null when some priced line's output has no bound. */
    public CostRange cost() {
        BigDecimal min = BigDecimal.ZERO;
        BigDecimal max = BigDecimal.ZERO;
        boolean bounded = true;
        for (RouteEstimate r : routes.values()) {
            min = min.add(r.cost().min());
            if (r.cost().max() == null) {
                bounded = false;
            } else {
                max = max.add(r.cost().max());
            }
        }
        return new CostRange(RunCost.rounded(min), bounded ? RunCost.rounded(max) : null);
    }

    /** Models the prompts name that have no price: their cost is not in the range. */
    public List<String> unpricedModels() {
        return models.stream().filter(m -> m.price() == null).map(ModelEstimate::model).toList();
    }

    /** The JSON object's shape, field by field in the order it is written. */
    private record Json(String file, String format, long lines, long prompts, long invalid,
                        @JsonProperty("input_tokens") long inputTokens,
                        @JsonProperty("max_output_tokens") long maxOutputTokens,
                        @JsonProperty("estimated_cost_usd") CostRange cost, Map<String, RouteEstimate> routes,
                        List<ModelEstimate> models, @JsonProperty("unpriced_models") List<String> unpricedModels,
                        @JsonProperty("invalid_lines") List<InvalidLine> invalidLines, Routing routing) {
    }

    private record Routing(@JsonProperty("batch_enabled") boolean batchEnabled,
                           @JsonProperty("long_prompt_tokens") int longPromptTokens) {
    }

    /** One JSON object (pretty-printed): lines, input_tokens, estimated_cost_usd {min, max}, per route and model. */
    public String toJson() {
        try {
            return Jackson.MAPPER.writerWithDefaultPrettyPrinter()
                    .with(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
                    .writeValueAsString(new Json(file, format, lines, prompts(), invalid, inputTokens(),
                            maxOutputTokens(), cost(), routes, models, unpricedModels(), invalidLines,
                            new Routing(batchEnabled, longPromptTokens)));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The estimate for people: a few aligned lines, then the invalid lines. */
    public String toText() {
        List<String> out = new ArrayList<>();
        out.add("estimate of " + file + " (" + format + "; nothing was called)");
        out.add(row("lines", n(lines) + " (" + n(prompts()) + " prompts, " + n(invalid) + " invalid)"));
        RouteEstimate rt = routes.get("realtime");
        RouteEstimate bt = routes.get("batch");
        out.add(row("routes", "realtime " + n(rt.prompts()) + ", batch " + n(bt.prompts()) + (batchEnabled
                ? " (batch: more than " + n(longPromptTokens) + " estimated tokens, or \"mode\":\"batch\")"
                : " (the Batch API is off)")));
        out.add(row("input tokens", n(inputTokens()) + " (" + encodings() + ")"));
        long unbounded = rt.unboundedLines() + bt.unboundedLines();
        out.add(row("output tokens", "at most " + n(maxOutputTokens()) + " (max_tokens of each line, else its "
                + "model's output limit" + (unbounded > 0 ? "; " + n(unbounded) + " line(s) without a bound" : "")
                + ")"));
        CostRange all = cost();
        long unpriced = rt.unpricedLines() + bt.unpricedLines();
        out.add(row("cost (USD)", range(all) + (all.max() == null ? "" : "  (min: input only; max: every answer "
                + "at its longest)") + (unpriced > 0 ? "; without " + n(unpriced) + " prompt(s) of models that "
                + "have no price" : "")));
        out.add(row("  realtime", rt.prompts() == 0 ? "no prompts" : range(rt.cost())));
        out.add(row("  batch", bt.prompts() == 0 ? "no prompts" : range(bt.cost()) + " (the Batch API's half "
                + "price)"));
        for (ModelEstimate m : models) {
            out.add(row("model " + m.model(), n(m.prompts()) + " prompt(s), " + n(m.inputTokens()) + " input tokens, "
                    + (m.price() == null ? "NO PRICE: its cost is unknown (set " + pricesSetting + "=" + m.model()
                    + "=INPUT/OUTPUT, USD per 1M tokens)" : "$" + m.price() + " per 1M tokens (input/output"
                    + (m.price().chars().filter(c -> c == '/').count() == 2 ? "/cached" : "") + ")")));
        }
        if (invalid > 0) {
            out.add("invalid lines (never called):");
            for (InvalidLine l : invalidLines) {
                out.add("  line " + l.line() + " (custom_id " + l.customId() + "): " + l.type() + ": " + l.message());
            }
            if (invalid > invalidLines.size()) {
                out.add("  ... and " + n(invalid - invalidLines.size()) + " more");
            }
        }
        return String.join("\n", out) + "\n";
    }

    private String encodings() {
        List<String> parts = new ArrayList<>();
        for (ModelEstimate m : models) {
            parts.add(m.encoding() + (Tokenizer.CHARS_PER_4.equals(m.encoding()) ? " (encoding unknown)" : "")
                    + " for " + m.model());
        }
        return parts.isEmpty() ? "no prompts" : String.join(", ", parts);
    }

    private static String range(CostRange r) {
        return RunCost.usd(r.min()) + " to " + (r.max() == null ? "no bound (some lines have no max_tokens and no "
                + "known model limit)" : RunCost.usd(r.max()));
    }

    private static String row(String label, String value) {
        return String.format(Locale.ROOT, "%-16s %s", label, value);
    }

    private static String n(long value) {
        return String.format(Locale.ROOT, "%,d", value);
    }
}
