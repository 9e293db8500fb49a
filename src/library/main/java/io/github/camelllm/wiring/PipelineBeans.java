package io.github.camelllm.wiring;

import io.github.camelllm.config.Settings;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.json.WorkItems;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;

import io.github.camelllm.batch.BatchBeans;
import io.github.camelllm.batch.RouteDecider;
import io.github.camelllm.flow.CallGate;
import io.github.camelllm.flow.CallSlots;
import io.github.camelllm.flow.FlowSettings;
import io.github.camelllm.flow.IntakeHoldPolicy;
import io.github.camelllm.intake.InboxFilter;
import io.github.camelllm.intake.Intake;
import io.github.camelllm.intake.PromptParser;
import io.github.camelllm.openai.ChatCalls;
import io.github.camelllm.openai.ChatClient;
import io.github.camelllm.openai.FailurePolicy;
import io.github.camelllm.openai.VertxChatClient;
import io.github.camelllm.run.Rejects;
import io.github.camelllm.run.Results;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.run.RunStopped;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.apache.camel.Processor;
import org.apache.camel.TypeConverter;
import org.apache.camel.builder.ThreadPoolProfileBuilder;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.TypeConverterSupport;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Creates one pipeline's beans from its settings and binds them under the names its routes use, each prefixed
 * with the pipeline's name ({@code NAME-runs}, {@code NAME-callGate}, ...), so they cannot replace a bean of the
 * host's or of another pipeline. The flow itself lives in {@code routes/*.camel.yaml}.
 */
public final class PipelineBeans {

    /**
     * Event loops of the Vert.x client. One: on two cores a second loop served no more calls and cost more CPU per
     * call (bench/RESULTS.md, "Second design").
     */
    private static final int VERTX_EVENT_LOOPS = 1;

    private final Settings settings;
    private final String name;
    private final boolean simulated;
    private final boolean ownsContext;

    /**
     * @param simulated   the API is the built-in simulator: results and summaries say so
     * @param ownsContext the pipeline is the whole application (the command line): it may configure the
     *                    context's own {@code jms} component; inside a host it registers one of its own
     */
    public PipelineBeans(Settings settings, String name, boolean simulated, boolean ownsContext) {
        this.settings = settings;
        this.name = name;
        this.simulated = simulated;
        this.ownsContext = ownsContext;
    }

    public void configure(CamelContext context) {
        int concurrency = settings.getInt("llm.concurrency", 1);

        RunRegistry runs = RunRegistry.fromSettings(settings, simulated);
        PromptParser parser = new PromptParser(Jackson.MAPPER, settings.get("llm.model"));
        bind(context, "runs", runs);
        // the questions the routes ask per prompt are Predicate and Expression beans (ref language): no per-call
        // method lookup and parameter binding, and the route itself keeps and tests the answer
        bind(context, "runStopped", new RunStopped(runs::accepting));
        Intake intake = new Intake(runs, parser, settings.getInt("llm.input.max-line-bytes", 16));
        bind(context, "intake", intake);
        // the work every prompt passes through is done by processors, for the same reason
        bind(context, "parseLine", (Processor) exchange -> exchange.getMessage().setBody(intake.parse(exchange)));
        // --- real-time calls: slots, the gate, the client, the failure policy ---
        ThreadPoolProfile unboundedQueue = new ThreadPoolProfileBuilder(name + "-timer").poolSize(2).maxPoolSize(2)
                .maxQueueSize(-1).build();
        // timers for retries, waits at the gate and response deadlines; how many can wait is bounded by the
        // call slots, so the queue needs no bound of its own (a bounded one would reject waiting prompts)
        ScheduledExecutorService timer = context.getExecutorServiceManager()
                .newScheduledThreadPool(this, name + "-timer", unboundedQueue);
        bind(context, "timer", timer);
        // the HTTP client's own work (connect, write, read, deliver the body); a real queue: Camel's
        // maxQueueSize -1 is a hand-off with no queue, so a busy pool made the caller run the task itself (the
        // client's selector thread, or the work queue's consumer)
        ExecutorService httpIo = context.getExecutorServiceManager().newThreadPool(this, name + "-http",
                new ThreadPoolProfileBuilder(name + "-http").poolSize(4).maxPoolSize(4).maxQueueSize(Integer.MAX_VALUE)
                        .build());
        UnaryOperator<String> scrub = FailurePolicy.scrubber(settings.apiKey());
        CallGate gate = new CallGate(flowSettings(), timer, scrub, runs::accepting);
        bind(context, "callGate", gate);
        runs.reportRateLimitsWith(runId -> {
            CallGate.RunFlowStats stats = gate.statsOf(runId);
            gate.forget(runId);
            return new RunSummary.RateLimits(stats.rateLimitedAnswers(), stats.throttledMs());
        });
        bind(context, "takeCallSlot", new CallSlots(concurrency, intake::isStopping));
        ChatCalls chat = new ChatCalls("direct:" + name + "-result", intake::isStopping, runs::accepting);
        bind(context, "receive", (Processor) chat::receive);
        bind(context, "callWithheld", (Predicate) chat::withheld);
        bind(context, "repliesHere", (Predicate) chat::repliesHere);
        bind(context, "toResult", (Processor) exchange -> exchange.getMessage().setBody(chat.toResult(exchange)));
        AutoCloseable closeClient = bindChatClient(context, gate, timer, httpIo, concurrency);
        FailurePolicy failures = new FailurePolicy(settings.getInt("llm.retry.max-attempts", 1),
                settings.getLong("llm.retry.max-retry-after-ms", 0), gate, settings.apiKey());
        bind(context, "failures", failures);
        bind(context, "retryWhile", (Predicate) failures::shouldRetry);
        bind(context, "retryAfterDelay", (Processor) failures::onFailure);
        bind(context, "intakeHold", new IntakeHoldPolicy(gate, timer));
        // graceful shutdown starts by closing intake, so the in-flight calls can drain and be journaled
        context.getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextStoppingEvent) {
                    intake.stopTakingLines();
                    gate.stop();
                } else if (event instanceof CamelEvent.CamelContextStoppedEvent) {
                    runs.close(); // open runs release their journals and OS locks
                    closeQuietly(closeClient); // the calls have drained with the routes
                }
            }
        });
        Results results = new Results(runs);
        bind(context, "results", results);
        bind(context, "record", results.recorder());
        bind(context, "rejects", new Rejects());
        // which inbox files are complete inputs (stable, not temporary, not links)
        bind(context, "inboxFilter", new InboxFilter(settings.getLong("llm.inbox.read-lock-ms", 0),
                settings.getBoolean("llm.inbox.require-marker"), settings.getBoolean("llm.inbox.follow-symlinks")));
        bind(context, "realtimeOrBatch", new RouteDecider(settings.getBoolean("llm.batch.enabled"),
                settings.getInt("llm.route.long-prompt-tokens", 0)));
        BatchBeans.bind(context, name + "-", settings, runs, timer);

        // Across a broker, work items and results travel as JSON text (see llm.realtime.queue-uri)
        context.getTypeConverterRegistry().addTypeConverter(String.class, PromptRequest.class,
                converter(value -> WorkItems.requestToJson((PromptRequest) value)));
        context.getTypeConverterRegistry().addTypeConverter(String.class, PromptResult.class,
                converter(value -> WorkItems.resultToJson((PromptResult) value)));
        String brokerUrl = settings.get("llm.broker.url", "");
        if (!brokerUrl.isEmpty()) {
            // only here: the broker client is optional, a host without one never loads these classes
            BrokerConnections.register(context, ownsContext ? "jms" : name + "-jms", brokerUrl,
                    settings.get("llm.broker.user", null), settings.get("llm.broker.password", null), concurrency);
        }
    }

    /** Binds the chosen chat client as {@code NAME-chatClient}; returns what closes it when the pipeline stops. */
    private AutoCloseable bindChatClient(CamelContext context, CallGate gate, ScheduledExecutorService timer,
                                         ExecutorService httpIo, int concurrency) {
        String baseUrl = settings.get("llm.base-url");
        long connectMs = settings.getLong("llm.timeout.connect-ms", 1);
        long responseMs = settings.getLong("llm.timeout.response-ms", 1);
        int maxBytes = settings.getInt("llm.response.max-bytes", 1024);
        if ("vertx".equals(settings.get("llm.http.client", "jdk"))) {
            if (!onClassPath("io.vertx.core.http.HttpClientAgent")) {
                throw new IllegalStateException("llm.http.client=vertx needs io.vertx:vertx-core 5 on the class "
                        + "path (an optional dependency of the library)");
            }
            // the class is loaded only here, so a host without Vert.x never needs it
            VertxChatClient client = new VertxChatClient(baseUrl, settings.apiKey(),
                    concurrency, VERTX_EVENT_LOOPS, connectMs, responseMs, maxBytes, gate);
            bind(context, "chatClient", client);
            gate.probeWith(client::probe);
            return client;
        }
        ChatClient client = new ChatClient(baseUrl, settings.apiKey(), connectMs, responseMs, maxBytes, gate, timer,
                httpIo);
        bind(context, "chatClient", client);
        gate.probeWith(client::probe);
        return () -> {
        };
    }

    private static boolean onClassPath(String className) {
        try {
            Class.forName(className, false, PipelineBeans.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // the pipeline has stopped; nothing depends on this any more
        }
    }

    private FlowSettings flowSettings() {
        // auto, stop or hold (the settings table refuses anything else): auto holds when the inbox is watched
        String onFatal = settings.get("llm.faults.on-fatal", "auto");
        boolean hold = "auto".equals(onFatal) ? settings.getBoolean("llm.inbox.enabled") : "hold".equals(onFatal);
        return new FlowSettings(settings.getLong("llm.rate-limit.requests-per-minute", 0),
                settings.getLong("llm.rate-limit.tokens-per-minute", 0),
                settings.getLong("llm.retry.max-rate-limit-wait-ms", 0),
                settings.getLong("llm.retry.max-outage-ms", 0),
                settings.getLong("llm.retry.max-probe-interval-ms", 1),
                hold,
                settings.getLong("llm.faults.probe-interval-ms", 1),
                settings.getLong("llm.retry.initial-delay-ms", 0),
                settings.getLong("llm.retry.max-delay-ms", 0));
    }

    private static TypeConverter converter(Function<Object, String> toJson) {
        return new TypeConverterSupport() {
            @Override
            public <T> T convertTo(Class<T> type, Exchange exchange, Object value) {
                return type.cast(toJson.apply(value));
            }
        };
    }

    private void bind(CamelContext context, String bean, Object value) {
        context.getRegistry().bind(name + "-" + bean, value);
    }
}
