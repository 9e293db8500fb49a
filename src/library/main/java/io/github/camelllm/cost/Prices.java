package io.github.camelllm.cost;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The price table: USD per 1M tokens for each model, OpenAI's list prices for its current models by default,
 * changed or extended by {@code llm.prices}. A model that is not in the table has no price: its cost is reported
 * as unknown, never as free.
 * <p>
 * A model name with a date suffix ({@code gpt-4o-mini-2024-07-18}, {@code gpt-4-0613}) has the price of its base
 * name unless the table names the dated model itself.
 */
public final class Prices {

    /** When the defaults were taken from OpenAI's pricing page (standard tier, text tokens). */
    public static final String DEFAULTS_AS_OF = "2025-11";

    private static final Pattern DATED = Pattern.compile("^(.+?)-(\\d{4}-\\d{2}-\\d{2}|\\d{4})$");
    private static final Pattern NUMBER = Pattern.compile("\\d+(\\.\\d+)?");

    private static final Prices DEFAULTS = new Prices(defaultTable());

    private final Map<String, ModelPrice> byModel;

    private Prices(Map<String, ModelPrice> byModel) {
        this.byModel = Collections.unmodifiableMap(byModel);
    }

    /** Where the defaults are: a CSV of model,input,cached,output,max_output_tokens; # starts a comment. */
    static final String DEFAULTS_RESOURCE = "/camel-llm-pipeline/prices.csv";

    /** OpenAI's list prices (standard tier, USD per 1M text tokens) with each model's output limit. */
    private static Map<String, ModelPrice> defaultTable() {
        try (InputStream in = Prices.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the default price table " + DEFAULTS_RESOURCE
                        + " is missing from the library jar");
            }
            return read(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the default price table " + DEFAULTS_RESOURCE, e);
        }
    }

    /** The table of a price CSV, in its order; a line not in the CSV's form is an error naming it. */
    static Map<String, ModelPrice> read(String csv) {
        Map<String, ModelPrice> t = new LinkedHashMap<>();
        String[] lines = csv.split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split(",", -1);
            try {
                if (f.length != 5) {
                    throw new IllegalArgumentException("expected 5 fields, found " + f.length);
                }
                String cached = f[2].strip();
                t.put(f[0].strip(), new ModelPrice(f[0].strip(), new BigDecimal(f[1].strip()),
                        cached.isEmpty() ? null : new BigDecimal(cached), new BigDecimal(f[3].strip()),
                        Integer.parseInt(f[4].strip())));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(DEFAULTS_RESOURCE + " line " + (i + 1) + ": '" + line
                        + "' is not model,input,cached,output,max_output_tokens (" + e.getMessage() + ")", e);
            }
        }
        return t;
    }

    /** OpenAI's list prices for its current models. */
    public static Prices defaults() {
        return DEFAULTS;
    }

    /** No price at all: every model is unknown. */
    public static Prices none() {
        return new Prices(Map.of());
    }

    /**
     * The defaults changed by a {@code llm.prices} value: {@code MODEL=INPUT/OUTPUT[/CACHED],...}, USD per 1M
     * tokens (e.g. {@code gpt-4o-mini=0.15/0.60,my-model=1/2/0.5}). An entry replaces the default of that model
     * (keeping its known output limit) or adds a model.
     *
     * @throws IllegalArgumentException naming the entry that is not in that form
     */
    public static Prices parse(String spec) {
        return defaults().with(spec);
    }

    /** This table with the entries of a {@code llm.prices} value over it. */
    public Prices with(String spec) {
        Map<String, ModelPrice> table = new LinkedHashMap<>(byModel);
        if (spec == null || spec.isBlank()) {
            return this;
        }
        for (String raw : spec.split(",")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(bad(entry, "no MODEL= before the prices"));
            }
            String model = entry.substring(0, eq).trim();
            String[] numbers = entry.substring(eq + 1).trim().split("/", -1);
            if (numbers.length < 2 || numbers.length > 3) {
                throw new IllegalArgumentException(bad(entry, "give INPUT/OUTPUT or INPUT/OUTPUT/CACHED"));
            }
            BigDecimal[] values = new BigDecimal[numbers.length];
            for (int i = 0; i < numbers.length; i++) {
                String n = numbers[i].trim();
                if (!NUMBER.matcher(n).matches()) {
                    throw new IllegalArgumentException(bad(entry, "'" + n + "' is not a price (a number like 0.15)"));
                }
                values[i] = new BigDecimal(n);
            }
            ModelPrice known = byModel.get(model);
            table.put(model, new ModelPrice(model, values[0], values.length == 3 ? values[2] : null, values[1],
                    known == null ? 0 : known.maxOutputTokens()));
        }
        return new Prices(table);
    }

    private static String bad(String entry, String why) {
        return "'" + entry + "' is not MODEL=INPUT/OUTPUT[/CACHED] (USD per 1M tokens): " + why;
    }

    /** The price of a model, or null when it has none (its cost is unknown, not zero). */
    public ModelPrice find(String model) {
        if (model == null || model.isBlank()) {
            return null;
        }
        ModelPrice exact = byModel.get(model);
        if (exact != null) {
            return exact;
        }
        Matcher dated = DATED.matcher(model);
        return dated.matches() ? byModel.get(dated.group(1)) : null;
    }

    /** Every model of the table, in the order they were given. */
    public Map<String, ModelPrice> all() {
        return byModel;
    }
}
