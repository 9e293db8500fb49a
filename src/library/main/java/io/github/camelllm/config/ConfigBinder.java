package io.github.camelllm.config;

import io.github.camelllm.config.Settings.ConfigException;
import io.github.camelllm.cost.Prices;
import io.github.camelllm.model.Endpoint;

import java.math.BigDecimal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Binds the typed configuration from the validated values of one pipeline: the one place that reads settings by
 * key, and the one place of the rules between keys. The values were checked against the table (types, ranges,
 * choices) before they came here, so this only converts.
 */
final class ConfigBinder {

    private final PropertyNames names;
    private final Map<String, String> values;
    private final Set<String> read = new HashSet<>();

    private ConfigBinder(PropertyNames names, Map<String, String> values) {
        this.names = names;
        this.values = values;
    }

    /** @param values canonical values by table key; keys without a default may be absent */
    static PipelineConfig bind(PropertyNames names, Map<String, String> values) {
        return new ConfigBinder(names, values).bind();
    }

    /** The table keys a binding reads: every one of them (a test keeps it so). */
    static Set<String> keysRead(PropertyNames names, Map<String, String> values) {
        ConfigBinder binder = new ConfigBinder(names, values);
        binder.bind();
        return Set.copyOf(binder.read);
    }

    private PipelineConfig bind() {
        String apiKey = optional("llm.api-key");
        String baseUrl = values.get(Settings.BASE_URL);
        read.add(Settings.BASE_URL);
        if (baseUrl == null && !apiKey.isEmpty()) {
            baseUrl = Settings.OPENAI_URL; // a key and no base URL: OpenAI itself
        }
        ApiConfig api = new ApiConfig(baseUrl, apiKey, text("llm.model"), names,
                Endpoint.ofSetting(text("llm.endpoint")));
        CallConfig calls = new CallConfig(integer("llm.concurrency"), millis("llm.timeout.connect-ms"),
                millis("llm.timeout.response-ms"), integer("llm.response.max-bytes"),
                choice("llm.http.client", HttpClientKind.class));

        Duration initialDelay = millis("llm.retry.initial-delay-ms");
        Duration maxDelay = millis("llm.retry.max-delay-ms");
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new ConfigException(names.ofKey("llm.retry.max-delay-ms") + " (" + maxDelay.toMillis()
                    + ") must be at least " + names.ofKey("llm.retry.initial-delay-ms") + " ("
                    + initialDelay.toMillis() + ")");
        }
        RetryConfig retry = new RetryConfig(integer("llm.retry.max-attempts"), initialDelay,
                decimal("llm.retry.multiplier"), maxDelay, decimal("llm.retry.jitter"),
                millis("llm.retry.max-retry-after-ms"), millis("llm.retry.max-rate-limit-wait-ms"),
                millis("llm.retry.max-outage-ms"), millis("llm.retry.max-probe-interval-ms"));
        RateLimitConfig rateLimits = new RateLimitConfig(integer("llm.rate-limit.requests-per-minute"),
                integer("llm.rate-limit.tokens-per-minute"));

        InboxConfig inbox = new InboxConfig(path("llm.inbox"), bool("llm.inbox.enabled"), millis("llm.inbox.poll-ms"),
                millis("llm.inbox.read-lock-ms"), bool("llm.inbox.require-marker"),
                bool("llm.inbox.follow-symlinks"), choice("llm.inbox.on-duplicate", OnDuplicate.class));
        OnFatal onFatal = choice("llm.faults.on-fatal", OnFatal.class);
        // auto holds the prompts when the inbox is watched (a service), else ends them (a one-shot, a host)
        boolean hold = onFatal == OnFatal.AUTO ? inbox.enabled() : onFatal == OnFatal.HOLD;
        FaultConfig faults = new FaultConfig(onFatal, hold, millis("llm.faults.probe-interval-ms"));
        InputConfig input = new InputConfig(text("llm.input.uri"), integer("llm.input.max-line-bytes"),
                optional("llm.input.caller-headers"));

        Path outbox = path("llm.outbox");
        Duration deliveryRetry = millis("llm.output.retry-delay-ms");
        Duration deliveryMaxRetry = millis("llm.output.max-retry-delay-ms");
        if (deliveryMaxRetry.compareTo(deliveryRetry) < 0) {
            throw new ConfigException(names.ofKey("llm.output.max-retry-delay-ms") + " (" + deliveryMaxRetry.toMillis()
                    + ") must be at least " + names.ofKey("llm.output.retry-delay-ms") + " ("
                    + deliveryRetry.toMillis() + ")");
        }
        OutputConfig output = new OutputConfig(outbox, choice("llm.output.order", OutputOrder.class),
                optional("llm.output.uri"), integer("llm.output.threads"), deliveryRetry, deliveryMaxRetry,
                bool("llm.output.include-response"), OutputFormat.of(text("llm.output.format")));
        String workDir = optional("llm.work-dir");
        // empty: "work" next to the outbox, so that it moves with the outbox rather than with the directory a
        // command happens to be started from
        Path workRoot = workDir.isBlank() ? siblingOf(outbox, "work") : Path.of(workDir.trim());
        RunsConfig runs = new RunsConfig(workRoot, bool("llm.journal.fsync"), millis("llm.run.retry-broken-ms"),
                millis("llm.run.lock-wait-ms"));

        BatchConfig batch = new BatchConfig(bool("llm.batch.enabled"), integer("llm.route.long-prompt-tokens"),
                text("llm.batch.queue-uri"), integer("llm.batch.max-requests"), longValue("llm.batch.max-bytes"),
                millis("llm.batch.flush-ms"), millis("llm.batch.poll-interval-ms"),
                longValue("llm.batch.max-enqueued-tokens"), longValue("llm.batch.max-enqueued-requests"),
                integer("llm.batch.max-resubmits"),
                choice("llm.batch.on-failure", OnBatchFailure.class));
        ScheduleConfig schedule = new ScheduleConfig(optional("llm.schedule.cron"), path("llm.schedule.folder"),
                integer("llm.schedule.keep-outputs"));
        QueueConfig queue = new QueueConfig(integer("llm.realtime.queue-size"), text("llm.realtime.queue-uri"),
                text("llm.results.uri"));
        BrokerConfig broker = new BrokerConfig(optional("llm.broker.url"), optional("llm.broker.user"),
                optional("llm.broker.password"));
        SimulationConfig simulation = new SimulationConfig(millis("llm.simulator.latency-ms"),
                millis("llm.simulator.jitter-ms"), integer("llm.simulator.requests-per-minute"),
                decimal("llm.simulator.rate-429"),
                decimal("llm.simulator.rate-500"));
        ShutdownConfig shutdown = new ShutdownConfig(millis("llm.shutdown.timeout-ms"));
        ObserveConfig observe = new ObserveConfig(integer("llm.management.port"), text("llm.management.host"),
                bool("llm.metrics.enabled"), millis("llm.progress.interval-ms"));
        refuseOverlaps(inbox, outbox, workRoot, schedule);
        return new PipelineConfig(names.pipeline(), api, calls, retry, rateLimits, faults, inbox, input, output,
                runs, batch, schedule, queue, broker, simulation, shutdown, cost(),
                observe);
    }

    /** The price table (llm.prices over the defaults) and the spend cap (empty or 0: none). */
    private CostConfig cost() {
        Prices prices;
        try {
            prices = Prices.parse(optional("llm.prices"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(names.ofKey("llm.prices") + ": " + e.getMessage());
        }
        String cap = optional("llm.budget.max-cost-usd").trim();
        BigDecimal maxCost = null;
        if (!cap.isEmpty()) {
            try {
                maxCost = new BigDecimal(cap);
            } catch (NumberFormatException e) {
                throw new ConfigException(names.ofKey("llm.budget.max-cost-usd") + " must be an amount in USD "
                        + "(e.g. 5 or 0.50; 0 or empty for no cap), got '" + cap + "'");
            }
            if (maxCost.signum() < 0) {
                throw new ConfigException(names.ofKey("llm.budget.max-cost-usd") + " cannot be negative, got "
                        + cap + " (0 or empty: no cap)");
            }
            if (maxCost.signum() == 0) {
                maxCost = null;
            }
        }
        return new CostConfig(prices, maxCost, names);
    }

    /**
     * The folders a pipeline reads from and writes to must be apart: a watched inbox that is (or holds, or lies in)
     * the outbox or the work folder would take the pipeline's own outputs as new prompt files, forever; a schedule
     * folder likewise at every firing; an outbox and a work folder in one another would mix results with journals.
     */
    private void refuseOverlaps(InboxConfig inbox, Path outbox, Path workRoot, ScheduleConfig schedule) {
        String outboxKey = "llm.outbox";
        String workKey = blankWorkDir() ? "the work folder (\"work\" next to " + names.ofKey(outboxKey)
                + ", as " + names.ofKey("llm.work-dir") + " is empty)" : names.ofKey("llm.work-dir");
        if (inbox.enabled()) {
            refuseOverlap("llm.inbox", inbox.folder(), names.ofKey(outboxKey), outbox,
                    "the watched inbox would take the pipeline's own results as new prompt files");
            refuseOverlap("llm.inbox", inbox.folder(), workKey, workRoot,
                    "the watched inbox would take the runs' journals as new prompt files");
        }
        if (schedule.enabled()) {
            refuseOverlap("llm.schedule.folder", schedule.folder(), names.ofKey(outboxKey), outbox,
                    "every firing would run the pipeline's own results as prompt files");
            refuseOverlap("llm.schedule.folder", schedule.folder(), workKey, workRoot,
                    "every firing would run the runs' journals as prompt files");
            if (inbox.enabled()) {
                refuseOverlap("llm.schedule.folder", schedule.folder(), names.ofKey("llm.inbox"), inbox.folder(),
                        "the inbox would take the scheduled files away");
            }
        }
        refuseOverlap(outboxKey, outbox, workKey, workRoot, "results and journals would be mixed");
    }

    private boolean blankWorkDir() {
        return values.getOrDefault("llm.work-dir", "").isBlank();
    }

    private void refuseOverlap(String key, Path folder, String otherName, Path other, String why) {
        Path a = folder.toAbsolutePath().normalize();
        Path b = other.toAbsolutePath().normalize();
        String relation = a.equals(b) ? "is the same folder as" : b.startsWith(a) ? "holds" : a.startsWith(b)
                ? "lies inside" : null;
        if (relation != null) {
            throw new ConfigException(names.ofKey(key) + " (" + a + ") " + relation + " " + otherName + " (" + b
                    + "): " + why + "; set them apart");
        }
    }

    private static Path siblingOf(Path path, String name) {
        Path parent = path.toAbsolutePath().normalize().getParent();
        return (parent == null ? path.toAbsolutePath() : parent).resolve(name);
    }

    private String text(String key) {
        read.add(key);
        String v = values.get(key);
        if (v == null) {
            throw new IllegalStateException(key + " has no value: the table gives it a default");
        }
        return v;
    }

    /** A key without a default: "" when unset. */
    private String optional(String key) {
        read.add(key);
        return values.getOrDefault(key, "");
    }

    private int integer(String key) {
        return Math.toIntExact(longValue(key));
    }

    private long longValue(String key) {
        return Long.parseLong(text(key));
    }

    private Duration millis(String key) {
        return Duration.ofMillis(longValue(key));
    }

    private double decimal(String key) {
        return Double.parseDouble(text(key));
    }

    private boolean bool(String key) {
        return Boolean.parseBoolean(text(key));
    }

    private Path path(String key) {
        return Path.of(text(key));
    }

    /** The table's choices and the enum's constants are the same words, or this is a programming error. */
    private <E extends Enum<E>> E choice(String key, Class<E> type) {
        List<String> constants = Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
        Setting setting = SettingsSpec.find(key);
        if (!constants.equals(setting.choices())) {
            throw new IllegalStateException(key + ": the table's choices " + setting.choices() + " are not "
                    + type.getSimpleName() + "'s " + constants);
        }
        return Enum.valueOf(type, text(key).toUpperCase(Locale.ROOT));
    }
}
