package io.github.camelllm.config;

import io.github.camelllm.config.Setting.Type;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every {@code llm.*} setting, declared once: key, type, default, allowed values, meaning.
 * <p>
 * <b>To add a setting</b>, add one line to {@link #TABLE} below and bind it in {@link ConfigBinder} (a test checks
 * that every key is bound), then regenerate the two files made from this table (tests check that they agree):
 * {@code java -jar target/camel-llm-pipeline-app.jar settings --example > application.properties} and
 * {@code java -jar target/camel-llm-pipeline-app.jar settings --markdown > docs/settings.md}. Beans get it from
 * {@link PipelineConfig}; a route reads it as {@code {{llm.your-key}}}. A key that is not in this table is refused
 * at start.
 */
public final class SettingsSpec {

    /**
     * Highest {@code llm.concurrency}. A call in flight holds no thread, only a few KB and a connection (or an
     * HTTP/2 stream); far beyond this the limits are the server's and the machine's open files.
     */
    public static final int MAX_CONCURRENCY = 100_000;

    private static final long DAY_MS = 86_400_000L;

    public record Section(String title, List<Setting> settings) {
    }

    private static final List<Section> TABLE = new Table()
            .section("The API")
            .apiUrl("llm.base-url", "Base URL like the OpenAI SDKs' (/chat/completions, /files, /batches are "
                    + "appended), or 'simulator' for the command-line application's built-in simulator. Unset: "
                    + "OPENAI_BASE_URL (default pipeline only), else https://api.openai.com/v1 when an API key is set.")
            .secret("llm.api-key", "API key sent as \"Authorization: Bearer\"; unset: OPENAI_API_KEY (default "
                    + "pipeline only). Never logged, printed or passed to the routes.")
            .required("llm.model", "gpt-4o-mini", "Model for lines that name none.")
            .choice("llm.endpoint", "chat-completions", "Endpoint of simple lines and text lines (a Batch API line "
                    + "names its own url): chat-completions, responses, completions (a prompt), embeddings or "
                    + "moderations (an input).", "chat-completions", "responses", "embeddings", "completions",
                    "moderations")

            .section("Concurrency and timeouts")
            .integer("llm.concurrency", 50, 1, MAX_CONCURRENCY, "Maximum chat-completion calls in flight; the "
                    + "server sees exactly this many at peak. Waiting prompts (retries, rate limits) hold a slot too.")
            .millis("llm.timeout.connect-ms", 10_000, 1, 600_000, "TCP connect timeout per call, ms.")
            .millis("llm.timeout.response-ms", 120_000, 1, DAY_MS,
                    "Deadline for a whole response, first byte to last (per attempt), ms; a hang or a trickling "
                    + "body past it is cut and retried. A Batch API file download must start within it and is cut "
                    + "when no byte arrives for that long.")
            .integer("llm.response.max-bytes", 8_388_608, 1024, 1 << 30,
                    "Largest response body accepted, bytes; a larger one is an invalid_response error.")
            .choice("llm.http.client", "auto", "HTTP client of the real-time calls. auto: vertx when "
                    + "io.vertx:vertx-core is on the class path (the command-line application carries it) and the "
                    + "JVM's proxy settings (https.proxyHost, ...) send the base URL through no proxy, else jdk. "
                    + "jdk: java.net.http; follows the JVM's proxy settings; where the common ForkJoinPool has a "
                    + "parallelism of 1 (one or two cores) it starts a short thread per answer (a warning at start "
                    + "says so). vertx: Vert.x on Netty event loops; needs io.vertx:vertx-core, ignores the JVM's "
                    + "proxy settings.", "auto", "jdk", "vertx")

            .section("Retries (Camel redelivery policy)")
            .integer("llm.retry.max-attempts", 5, 1, 100, "Attempts in all, the first included; 1 = never retry.")
            .millis("llm.retry.initial-delay-ms", 500, 0, DAY_MS,
                    "Delay before the first retry, ms; later ones grow by the multiplier.")
            .decimal("llm.retry.multiplier", 2.0, 1, 100,
                    "Exponential backoff multiplier; 1 keeps every delay at the initial one.")
            .millis("llm.retry.max-delay-ms", 8000, 0, DAY_MS,
                    "Longest backoff, ms; at least llm.retry.initial-delay-ms.")
            .decimal("llm.retry.jitter", 0.25, 0, 1, "Jitter: each delay varies randomly by +/- this fraction.")
            .millis("llm.retry.max-retry-after-ms", 120_000, 0, DAY_MS,
                    "Longest server-requested wait (Retry-After / retry-after-ms) honoured, ms.")
            .millis("llm.retry.max-rate-limit-wait-ms", 1_800_000, 0, 7 * DAY_MS, "How long one prompt may be held "
                    + "back by rate limits (429 rate_limit_exceeded) before it ends as an error, ms; rate-limit "
                    + "waits never use up llm.retry.max-attempts.")
            .millis("llm.retry.max-outage-ms", 900_000, 0, 7 * DAY_MS, "How long an outage of the whole API (most "
                    + "recent calls failing with 5xx, refused connections or timeouts) is ridden out, holding every "
                    + "prompt and probing with one call at growing intervals, before the held prompts end as errors "
                    + "(type outage), ms; probing goes on, so the pipeline recovers by itself.")
            .millis("llm.retry.max-probe-interval-ms", 30_000, 1, DAY_MS,
                    "The longest wait between two probes of an API that is down, ms.")

            .section("Rate limits and faults")
            .integer("llm.rate-limit.requests-per-minute", 0, 0, 1_000_000_000, "Requests per minute, per model; "
                    + "0 = learn the limit from the answers' x-ratelimit-* headers. Set it for a server that sends none.")
            .integer("llm.rate-limit.tokens-per-minute", 0, 0, 2_000_000_000, "Tokens per minute, per model, counted "
                    + "as max(max_tokens, characters / 4); 0 = learn it from the x-ratelimit-* headers. While either "
                    + "limit is learnt, only four calls per model go out before the first answer; with both set, the "
                    + "first calls are paced by them instead.")
            .choice("llm.faults.on-fatal", "auto", "A fault no retry fixes (a refused key, an empty account, an "
                    + "unknown model, a base URL that is not an API): stop = the prompts it concerns end as errors "
                    + "at once (run FILE exits 1 within seconds); hold = they wait and the inbox takes no new file "
                    + "until a probe succeeds; auto = hold when the inbox is watched, else stop.",
                    "auto", "stop", "hold")
            .millis("llm.faults.probe-interval-ms", 60_000, 1, DAY_MS,
                    "How often such a fault is tried again with one probe call, ms.")

            .section("Input")
            .required("llm.inbox", "inbox", "Folder watched in service mode (java -jar ... with no arguments).")
            .bool("llm.inbox.enabled", false, "Whether the inbox is watched. The command-line application "
                    + "watches it in service mode unless this is set false; run FILE never does.")
            .millis("llm.inbox.poll-ms", 1000, 1, DAY_MS, "Poll interval of the inbox, ms.")
            .millis("llm.inbox.read-lock-ms", 5000, 1, DAY_MS, "A file must be unchanged (size and time) for this "
                    + "long before it is read, ms; three times as long when it does not end with a newline. Copies "
                    + "that pause longer: use a temporary name and rename, or a marker file.")
            .bool("llm.inbox.require-marker", false, "true: only files with a marker beside them (x.jsonl.ready or "
                    + "x.jsonl.done) are taken; false: a marker just skips the wait.")
            .bool("llm.inbox.follow-symlinks", false, "Follow symbolic links in the inbox (false: links and other "
                    + "non-regular files are ignored).")
            .choice("llm.inbox.on-duplicate", "skip", "A file whose content already completed a run: skip "
                    + "(logged, moved to .done) or rerun.", "skip", "rerun")
            .required("llm.input.uri", "direct:llm-prompts",
                    "Endpoint that takes prompts as messages (text, a JSON object, or JSONL per message).")
            .integer("llm.input.max-line-bytes", 1_048_576, 16, 1 << 28,
                    "Longest input line, bytes; a longer line becomes an invalid result.")
            .text("llm.input.caller-headers", "JMSCorrelationID,!Camel*,!JMS*,!Authorization,!Proxy-Authorization,"
                    + "!Cookie,!Set-Cookie,!llm*,*", "The headers of a prompt message that come back with its results "
                    + "(output messages and replies): names or wildcards, comma-separated, case-insensitive; the first "
                    + "that matches decides, ! keeps a header out, one no entry matches stays out. Text, numbers and "
                    + "booleans only; kept with the accepted message, so they come back after a restart too.")

            .section("Output")
            .required("llm.outbox", "outbox", "Folder for NAME.results.jsonl, NAME.summary.json and NAME.failed.jsonl.")
            .choice("llm.output.order", "ordered", "ordered: results file in input order, written when the run "
                    + "completes; streamed: appended as each completes.", "ordered", "streamed")
            .text("llm.output.uri", "", "Optional Camel endpoint(s), comma-separated, that also receive every "
                    + "result as it completes (JSON body), read back from the run's journal by the pipeline's own "
                    + "delivery threads: at least once, after a restart too.")
            .integer("llm.output.threads", 4, 1, 1000, "Threads that hand results to llm.output.uri and replies to "
                    + "waiting senders, apart from the calls: a slow or stopped endpoint slows them, not the API calls.")
            .millis("llm.output.retry-delay-ms", 1000, 1, DAY_MS, "A result llm.output.uri refuses (the endpoint "
                    + "down, no consumer) is tried again after this long, ms, doubling up to "
                    + "llm.output.max-retry-delay-ms, for as long as the pipeline runs; never dropped.")
            .millis("llm.output.max-retry-delay-ms", 60_000, 1, DAY_MS,
                    "Longest wait between two tries of a result's delivery, ms; at least llm.output.retry-delay-ms.")
            .bool("llm.output.include-response", false, "Keep the whole response body of every answer in its "
                    + "result (field response), besides what the result keeps of it anyway.")
            .choice("llm.output.format", "pipeline", "Shape of the results file: pipeline (one result per line, "
                    + "see docs/formats.md) or openai-batch (the Batch API's output lines: id, custom_id, "
                    + "response {status_code, request_id, body}, error), whichever route answered; openai-batch "
                    + "keeps every response body.", "pipeline", "openai-batch")
            .text("llm.work-dir", "", "Run work folders (manifest, journal, batch jobs): what a restart needs to "
                    + "finish a run without paying twice. Empty: the folder \"work\" next to the outbox (so a command "
                    + "started from another directory finds the same runs).")
            .bool("llm.journal.fsync", false, "Force every journal record to the disk (fsync) before it counts: "
                    + "survives power loss, costs a disk flush per result.")
            .millis("llm.run.retry-broken-ms", 60_000, 1, DAY_MS, "A run stopped because its journal could not be "
                    + "written is tried again after this long (service mode), ms.")
            .millis("llm.run.lock-wait-ms", 10_000, 0, DAY_MS, "run FILE: how long to wait for another process that "
                    + "holds the run of FILE before giving up (exit 2), ms.")

            .section("Routing between real-time and the Batch API")
            .bool("llm.batch.enabled", true, "Send long prompts to the Batch API (half price, answers within 24 h).")
            .integer("llm.route.long-prompt-tokens", 8000, 0, 100_000_000,
                    "Prompts with more estimated tokens (chars / 4) than this go to the Batch API.")
            .required("llm.batch.queue-uri", "direct:llm-batch-enqueue", "Endpoint in front of the batch route.")
            .integer("llm.batch.max-requests", 50_000, 1, 50_000,
                    "Most requests in one Batch API input file (the API allows 50,000).")
            .integer("llm.batch.max-bytes", 200_000_000, 1024, 209_715_200,
                    "Largest Batch API input file, bytes. The API allows \"200 MB\"; the default is 200,000,000 "
                    + "bytes, within that limit whether it counts MB or MiB.")
            .millis("llm.batch.flush-ms", 5000, 1, DAY_MS, "A shard that has not grown for this long is submitted, "
                    + "ms (shards are also submitted when their run's intake ends).")
            .millis("llm.batch.poll-interval-ms", 10_000, 1, DAY_MS,
                    "How often submitted batches are checked (GET /batches/{id}), ms.")
            .integer("llm.batch.max-enqueued-tokens", 0, 0, 2_000_000_000, "Per model: estimated tokens this "
                    + "process may have in unfinished batches at once (the organisation's enqueued-token limit); "
                    + "shards over it wait, sealed, until earlier batches finish. 0 = no limit.")
            .integer("llm.batch.max-enqueued-requests", 0, 0, 2_000_000_000, "Per model: requests this process "
                    + "may have in unfinished batches at once (a provider's limit on queued batch requests); no "
                    + "shard holds more, and a shard waits, sealed, until the requests enqueued plus its own fit. "
                    + "0 = no limit.")
            .integer("llm.batch.max-resubmits", 20, 0, 10_000, "How often a batch the API failed with "
                    + "token_limit_exceeded is created again from the same file (the delay doubles from "
                    + "llm.batch.poll-interval-ms up to 10 minutes); then its lines follow llm.batch.on-failure.")
            .choice("llm.batch.on-failure", "realtime", "Lines a batch did not answer (failed, expired, cancelled, "
                    + "error file): realtime = call them in real time, error = record an error.", "realtime", "error")

            .section("Cost and spend cap")
            .text("llm.prices", "", "Prices in USD per 1M tokens over the built-in table (OpenAI's list prices): "
                    + "MODEL=INPUT/OUTPUT[/CACHED_INPUT],... e.g. gpt-4o-mini=0.15/0.60,my-model=1/2. A model "
                    + "without a price is reported as unknown, never as free; the Batch API bills half.")
            .text("llm.budget.max-cost-usd", "", "Spend cap per run, USD (0 or empty: none). A call whose worst "
                    + "case (input + max_tokens at its price) would pass it together with what is answered and "
                    + "in flight is not made: the run's remaining lines end as budget_exceeded errors.")

            .section("Scheduled runs")
            .cron("llm.schedule.cron", "Quartz cron (sec min hour day month weekday), e.g. 0 0 2 * * ? for 02:00 "
                    + "nightly; empty = no scheduled runs.")
            .required("llm.schedule.folder", "schedule", "Folder whose prompt files every firing runs again "
                    + "(files stay in place; results go to the outbox).")
            .integer("llm.schedule.keep-outputs", 30, 1, 100_000, "Dated output sets (NAME.yyyyMMdd-HHmmss.*) kept "
                    + "per scheduled file; older ones are deleted.")

            .section("Work queue and scale-out")
            .integer("llm.realtime.queue-size", 2000, 1, 10_000_000, "Capacity of the work queue in front of the "
                    + "real-time callers (intake blocks when it is full: back-pressure).")
            .required("llm.realtime.queue-uri", "seda:llm-realtime?size={{llm.realtime.queue-size}}"
                    + "&blockWhenFull=true&pollTimeout=100",
                    "The work queue; both ends of the realtime route use this URI. One consumer is enough: it only "
                    + "takes a call slot and sends, no thread waits for an answer. A broker queue (jms:...) needs "
                    + "concurrentConsumers, since a JMS listener waits for each message to be done.")
            .required("llm.results.uri", "direct:llm-result", "Where callers send results back to this instance: "
                    + "direct:llm-result in one JVM; with a broker work queue, a queue of this instance's own "
                    + "(e.g. jms:queue:llm-results-host1?jmsMessageType=Text).")
            .text("llm.broker.url", "", "ActiveMQ Artemis broker for jms: endpoints (empty: none), "
                    + "e.g. tcp://broker:61616.")
            .text("llm.broker.user", "", "Broker user (empty: none).")
            .secret("llm.broker.password", "Broker password (empty: none); never logged, printed or passed to the "
                    + "routes.")

            .section("Built-in simulator (llm.base-url=simulator, or run FILE with no API configured)")
            .millis("llm.simulator.latency-ms", 200, 0, 600_000, "Simulated server latency per call, ms.")
            .millis("llm.simulator.jitter-ms", 300, 0, 600_000, "Uniform random extra latency per call, 0 to this many ms.")
            .integer("llm.simulator.requests-per-minute", 6000, 0, 1_000_000_000, "Requests per minute the "
                    + "simulator allows (a bucket of one second's worth), announced in x-ratelimit-* headers as a real "
                    + "API does, so the pipeline paces to it; 0 = no limit.")
            .decimal("llm.simulator.rate-429", 0.0, 0, 1, "Fraction of calls answered 429 at random, with "
                    + "Retry-After but without rate-limit headers (a server that does not announce its limits).")
            .decimal("llm.simulator.rate-500", 0.02, 0, 1, "Fraction of calls answered 500.")

            .section("Seeing a run: progress, metrics, health, status page")
            .integer("llm.management.port", -1, -1, 65535, "Port of the management endpoints (/observe/health, "
                    + "/observe/health/live, /observe/health/ready, /observe/metrics, /observe/runs, the status page at "
                    + "/); -1 = none, 0 = any free port. The command line's service uses 9876 unless this is set; run "
                    + "FILE and a host serve none unless it is set.")
            .required("llm.management.host", "0.0.0.0", "Address the management endpoints listen on.")
            .bool("llm.metrics.enabled", true, "Micrometer meters of the calls, prompts, runs and limits (to the host's "
                    + "MeterRegistry when one is bound, and to /observe/metrics when the management port is set).")
            .millis("llm.progress.interval-ms", 30_000, 0, DAY_MS, "How often each active run's progress is logged "
                    + "(DONE/TOTAL, ok/error/invalid, rate, ETA), ms; 0 = never (run FILE then prints no progress "
                    + "either).")

            .section("Shutdown")
            .millis("llm.shutdown.timeout-ms", 30_000, 1000, 3_600_000, "On SIGTERM, how long in-flight calls may "
                    + "take to finish and be journaled, ms (Camel's shutdown timeout is set from it).")
            .sections();

    private static final Map<String, Setting> BY_KEY = index();

    private SettingsSpec() {
    }

    public static List<Section> sections() {
        return TABLE;
    }

    public static Map<String, Setting> byKey() {
        return BY_KEY;
    }

    public static Setting find(String key) {
        return BY_KEY.get(key);
    }

    private static Map<String, Setting> index() {
        Map<String, Setting> m = new LinkedHashMap<>();
        for (Section s : TABLE) {
            for (Setting setting : s.settings()) {
                if (m.put(setting.key(), setting) != null) {
                    throw new IllegalStateException("declared twice: " + setting.key());
                }
            }
        }
        return m;
    }

    /** Builds the table; one method per kind of value keeps each line of the table short. */
    private static final class Table {
        private final List<Section> sections = new ArrayList<>();
        private List<Setting> current;

        Table section(String title) {
            current = new ArrayList<>();
            sections.add(new Section(title, current));
            return this;
        }

        private Table add(String key, Type type, String dflt, double min, double max, List<String> choices,
                          boolean secret, String description) {
            current.add(new Setting(key, type, dflt, min, max, choices, secret, description));
            return this;
        }

        Table text(String key, String dflt, String description) {
            return add(key, Type.TEXT, dflt, 0, 0, List.of(), false, description);
        }

        Table required(String key, String dflt, String description) {
            return add(key, Type.REQUIRED_TEXT, dflt, 0, 0, List.of(), false, description);
        }

        Table secret(String key, String description) {
            return add(key, Type.TEXT, null, 0, 0, List.of(), true, description);
        }

        Table apiUrl(String key, String description) {
            return add(key, Type.API_URL, null, 0, 0, List.of(), false, description);
        }

        Table integer(String key, long dflt, long min, long max, String description) {
            return add(key, Type.INT, Long.toString(dflt), min, max, List.of(), false, description);
        }

        Table millis(String key, long dflt, long min, long max, String description) {
            return add(key, Type.LONG, Long.toString(dflt), min, max, List.of(), false, description);
        }

        Table decimal(String key, double dflt, double min, double max, String description) {
            return add(key, Type.DECIMAL, Double.toString(dflt), min, max, List.of(), false, description);
        }

        Table bool(String key, boolean dflt, String description) {
            return add(key, Type.BOOLEAN, Boolean.toString(dflt), 0, 0, List.of(), false, description);
        }

        Table choice(String key, String dflt, String description, String... choices) {
            return add(key, Type.CHOICE, dflt, 0, 0, List.of(choices), false, description);
        }

        Table cron(String key, String description) {
            return add(key, Type.CRON, "", 0, 0, List.of(), false, description);
        }

        List<Section> sections() {
            return sections.stream().map(s -> new Section(s.title(), List.copyOf(s.settings()))).toList();
        }
    }
}
