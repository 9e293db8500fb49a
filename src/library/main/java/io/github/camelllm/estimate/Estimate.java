package io.github.camelllm.estimate;

import io.github.camelllm.batch.RouteDecider;
import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.cost.ModelPrice;
import io.github.camelllm.cost.Prices;
import io.github.camelllm.cost.RequestTokens;
import io.github.camelllm.intake.InvalidLineException;
import io.github.camelllm.intake.PromptParser;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.run.CustomIdSet;
import io.github.camelllm.run.InputFiles;
import io.github.camelllm.run.LineReader;
import io.github.camelllm.run.RawLine;
import io.github.camelllm.run.Run;
import io.github.camelllm.run.RunBusyException;
import io.github.camelllm.run.UnreadableInputException;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a prompt file would cost, worked out without calling anything: each line is read and parsed as a run reads
 * it (the same limits, the same invalid lines), routed as dispatch routes it (real time or the Batch API), its
 * input tokens counted with its model's tokenizer, and priced from the price table. The output side is bounded by
 * each line's {@code max_tokens} / {@code max_completion_tokens} (else its model's output limit): the cost lies
 * between the input alone (min) and the input plus every answer at its longest (max).
 */
public final class Estimate {

    /** Invalid lines listed one by one (all of them are counted). */
    static final int INVALID_LISTED = 100;

    private Estimate() {
    }

    /**
     * Reads the file and estimates it under this configuration (model, routing, prices).
     *
     * @throws UnreadableInputException the file can never be run (empty, binary, not a regular file)
     */
    public static EstimateReport of(Path file, PipelineConfig config) throws IOException, UnreadableInputException {
        InputFiles.Inspected input;
        try {
            input = new InputFiles(config.inbox().followSymlinks()).inspect(file, true);
        } catch (RunBusyException stillWritten) {
            throw new IOException(stillWritten.getMessage(), stillWritten);
        }
        PromptParser parser = new PromptParser(Jackson.MAPPER, config.api().model());
        RouteDecider router = new RouteDecider(config.batch());
        Prices prices = config.cost().prices();
        Tally tally = new Tally();
        CustomIdSet customIds = new CustomIdSet();
        try (InputStream in = new InputFiles(config.inbox().followSymlinks()).open(input)) {
            LineReader reader = new LineReader(in, config.input().maxLineBytes());
            while (reader.hasNext()) {
                RawLine raw = reader.next();
                tally.lines++;
                String fallbackId = Long.toString(raw.number());
                if (!raw.readable()) {
                    tally.invalid(raw.number(), fallbackId, "unreadable_line", raw.error());
                    continue;
                }
                PromptRequest request;
                try {
                    request = input.format() == Run.Format.TEXT
                            ? parser.parseText("estimate", raw.number(), fallbackId, raw.text())
                            : parser.parseJson("estimate", raw.number(), raw.text());
                } catch (InvalidLineException e) {
                    tally.invalid(raw.number(), fallbackId, e.type(), e.getMessage());
                    continue;
                } catch (RuntimeException e) {
                    tally.invalid(raw.number(), fallbackId, "invalid_json", "cannot parse the line: "
                            + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
                    continue;
                }
                if (!customIds.add(request.customId())) {
                    tally.invalid(raw.number(), request.customId(), "duplicate_custom_id", "duplicate custom_id \""
                            + request.customId() + "\": an earlier line of this input already uses it");
                    continue;
                }
                tally.prompt(request, router.route(request), prices);
            }
        }
        return tally.report(file, input.format(), config);
    }

    /** The counts, gathered line by line. */
    private static final class Tally {
        long lines;
        final Map<String, EstimateReport.RouteEstimate.Builder> routes = new TreeMap<>();
        final Map<String, EstimateReport.ModelEstimate.Builder> models = new TreeMap<>();
        final List<EstimateReport.InvalidLine> invalid = new ArrayList<>();
        long invalidCount;

        Tally() {
            routes.put(PromptRequest.REALTIME, new EstimateReport.RouteEstimate.Builder());
            routes.put(PromptRequest.BATCH, new EstimateReport.RouteEstimate.Builder());
        }

        void invalid(long line, String customId, String type, String message) {
            invalidCount++;
            if (invalid.size() < INVALID_LISTED) {
                invalid.add(new EstimateReport.InvalidLine(line, customId, type, message));
            }
        }

        void prompt(PromptRequest request, String route, Prices prices) {
            boolean batch = PromptRequest.BATCH.equals(route);
            ModelPrice price = prices.find(request.model());
            RequestTokens tokens = RequestTokens.of(request.model(), request.body(), price);
            BigDecimal min = price == null ? null : price.cost(tokens.inputTokens(), 0, 0, batch);
            BigDecimal max = price == null || !tokens.bounded() ? null
                    : price.cost(tokens.inputTokens(), 0, tokens.maxOutputTokens(), batch);
            routes.get(route).add(tokens, min, max, price != null);
            models.computeIfAbsent(request.model(), m -> new EstimateReport.ModelEstimate.Builder(m, tokens.encoding(),
                    price)).add(tokens);
        }

        EstimateReport report(Path file, Run.Format format, PipelineConfig config) {
            Map<String, EstimateReport.RouteEstimate> byRoute = new TreeMap<>();
            routes.forEach((route, b) -> byRoute.put(route, b.build()));
            List<EstimateReport.ModelEstimate> byModel = models.values().stream()
                    .map(EstimateReport.ModelEstimate.Builder::build).toList();
            return new EstimateReport(file.toString(), format.name().toLowerCase(), lines, invalidCount,
                    byRoute, byModel, List.copyOf(invalid), config.batch().enabled(),
                    config.batch().longPromptTokens(), config.names().ofKey("llm.prices"));
        }
    }
}
