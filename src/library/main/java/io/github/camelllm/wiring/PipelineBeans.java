package io.github.camelllm.wiring;

import io.github.camelllm.config.HttpClientKind;
import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.cost.SpendCap;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.json.WorkItems;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;

import io.github.camelllm.batch.BatchBeans;
import io.github.camelllm.batch.BatchJobs;
import io.github.camelllm.batch.RouteDecider;
import io.github.camelllm.delivery.AwaitReply;
import io.github.camelllm.delivery.Deliveries;
import io.github.camelllm.flow.CallGate;
import io.github.camelllm.flow.CallSlots;
import io.github.camelllm.flow.FailurePolicy;
import io.github.camelllm.flow.IntakeHoldPolicy;
import io.github.camelllm.flow.RateLimitStats;
import io.github.camelllm.intake.CallerHeaders;
import io.github.camelllm.intake.InboxFilter;
import io.github.camelllm.intake.Intake;
import io.github.camelllm.intake.PromptParser;
import io.github.camelllm.openai.Answers;
import io.github.camelllm.observe.PipelineObserver;
import io.github.camelllm.openai.CallOutcomes;
import io.github.camelllm.openai.CallState;
import io.github.camelllm.config.OutputFormat;
import io.github.camelllm.run.ResultLines;
import io.github.camelllm.openai.ChatCalls;
import io.github.camelllm.openai.ChatClient;
import io.github.camelllm.openai.JdkHttp;
import io.github.camelllm.openai.OpenAiHttp;
import io.github.camelllm.openai.ResponseTimeouts;
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
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.ThreadPoolProfile;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.ExpressionAdapter;
import org.apache.camel.support.TypeConverterSupport;
import org.apache.camel.util.concurrent.SizedScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.ProxySelector;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * Creates one pipeline's beans from its configuration and binds them under the names its routes use, each prefixed
 * with the pipeline's name ({@code NAME-runs}, {@code NAME-callGate}, ...), so they cannot replace a bean of the
 * host's or of another pipeline. The flow itself lives in {@code routes/*.camel.yaml}.
 */
public final class PipelineBeans {

    private static final Logger LOG = LoggerFactory.getLogger(PipelineBeans.class);

    /**
     * Event loops of the Vert.x client. One: on two cores a second loop served no more calls and cost more CPU per
     * call (bench/RESULTS.md, "Second design").
     */
    private static final int VERTX_EVENT_LOOPS = 1;

    private final PipelineConfig config;
    private final String name;
    private final boolean simulated;
    private String brokerScheme;

    /** @param simulated the API is a simulator: results and summaries say so */
    public PipelineBeans(PipelineConfig config, boolean simulated) {
        this.config = config;
        this.name = config.name();
        this.simulated = simulated;
    }

    /** @param scheme also register the broker client under this component name (null: only as NAME-jms) */
    public PipelineBeans brokerComponent(String scheme) {
        this.brokerScheme = scheme;
        return this;
    }

    public void configure(CamelContext context) {
        int concurrency = config.calls().concurrency();

        RunRegistry runs = runRegistry();
        PromptParser parser = new PromptParser(Jackson.MAPPER, config.api().model(), config.api().endpoint());
        bind(context, "runs", runs);
        // the questions the routes ask per prompt are Predicate and Expression beans (ref language): no per-call
        // method lookup and parameter binding, and the route itself keeps and tests the answer
        bind(context, "runStopped", new RunStopped(runs::accepting));
        Intake intake = new Intake(runs, parser, config.input().maxLineBytes(),
                new CallerHeaders(config.input().callerHeaders()));
        bind(context, "intake", intake);
        Deliveries deliveries = new Deliveries(name, runs, "seda:" + name + "-deliver", config.output().uri(),
                config.names().of("output.uri"), config.output().retryDelay(), config.output().maxRetryDelay());
        // the work every prompt passes through is done by processors, for the same reason
        bind(context, "parseLine", (Processor) exchange -> exchange.getMessage().setBody(intake.parse(exchange)));
        // --- real-time calls: slots, the gate, the client, the failure policy ---
        ThreadPoolProfile unboundedQueue = new ThreadPoolProfileBuilder(name + "-timer").poolSize(2).maxPoolSize(2)
                .maxQueueSize(-1).build();
        // timers for retries, waits at the gate and response deadlines; how many can wait is bounded by the
        // call slots, so the queue needs no bound of its own (a bounded one would reject waiting prompts)
        ScheduledExecutorService timer = context.getExecutorServiceManager()
                .newScheduledThreadPool(this, name + "-timer", unboundedQueue);
        if (timer instanceof SizedScheduledExecutorService sized) {
            // at shutdown, waits that have not come due are dropped, not waited for: their prompts have no result
            // and the next start sends them (held prompts, probes, retries of an outage that may last minutes)
            sized.getScheduledThreadPoolExecutor().setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        }
        bind(context, "timer", timer);
        deliveries.start(context, timer); // a run whose delivery failed waits its delay on the same timers
        // the HTTP client's own work (connect, write, read, deliver the body); a real queue: Camel's
        // maxQueueSize -1 is a hand-off with no queue, so a busy pool made the caller run the task itself (the
        // client's selector thread, or the work queue's consumer)
        ExecutorService httpIo = context.getExecutorServiceManager().newThreadPool(this, name + "-http",
                new ThreadPoolProfileBuilder(name + "-http").poolSize(4).maxPoolSize(4).maxQueueSize(Integer.MAX_VALUE)
                        .build());
        RateLimitStats rateLimitStats = new RateLimitStats();
        CallGate gate = new CallGate(config.api(), config.rateLimits(), config.retry(), config.faults(), concurrency,
                timer, rateLimitStats, runs::accepting);
        bind(context, "callGate", gate);
        runs.reportRateLimitsWith(runId -> {
            RateLimitStats.RunStats stats = rateLimitStats.of(runId);
            rateLimitStats.forget(runId);
            return new RunSummary.RateLimits(stats.rateLimitedAnswers(), stats.throttledMs());
        });
        // every call to the API (chat on either client, Files and Batches) goes through this edge
        OpenAiHttp api = new OpenAiHttp(config.api(), config.calls());
        JdkHttp jdkHttp = new JdkHttp(api, httpIo, timer);
        CallSlots slots = new CallSlots(concurrency, intake::isStopping);
        bind(context, "takeCallSlot", slots);
        // progress, metrics, health and the status page: told of each attempt and each result, started with Camel
        PipelineObserver observer = new PipelineObserver(context, config, runs, gate, slots, rateLimitStats, timer);
        bind(context, "observer", observer);
        addService(context, observer);
        runs.reportSpendingTo(observer.spending());
        bind(context, "deliveries", deliveries);
        bind(context, "nextDelivery", deliveries.nextDelivery());
        bind(context, "awaitReply", new AwaitReply(deliveries));
        bind(context, "waitsForReply", (Predicate) exchange -> exchange.getPattern().isOutCapable());
        // the run's spend cap: each prompt reserves its worst case before its first attempt
        bind(context, "spendCap", new SpendCap(runs::spendOf,
                exchange -> exchange.getProperty(CallState.PROPERTY, CallState.class).request(), intake::isStopping));
        ChatCalls chat = new ChatCalls("direct:" + name + "-result", intake::isStopping, runs::accepting,
                new Answers(config.output().keepsResponses()), runs.linesInFlight(),
                config.broker().enabled() ? context.resolvePropertyPlaceholders(config.queue().resultsUri()) : null);
        bind(context, "receive", (Processor) chat::receive);
        // the run of a work item or a result: a message property on a broker queue (BrokerWorkItems.reopened)
        bind(context, "runIdOfMessage", new ExpressionAdapter() {
            @Override
            public Object evaluate(Exchange exchange) {
                Object body = exchange.getMessage().getBody();
                return body instanceof PromptRequest prompt ? prompt.runId()
                        : body instanceof PromptResult result ? result.runId() : null;
            }
        });
        bind(context, "callWithheld", (Predicate) chat::withheld);
        bind(context, "repliesHere", (Predicate) chat::repliesHere);
        bind(context, "toResult", (Processor) exchange -> exchange.getMessage().setBody(chat.toResult(exchange)));
        AutoCloseable closeClient = bindChatClient(context, gate, observer.calls(gate), api, jdkHttp);
        FailurePolicy failures = new FailurePolicy(config.retry(), config.api(), gate);
        bind(context, "failures", failures);
        bind(context, "retryWhile", (Predicate) failures::shouldRetry);
        bind(context, "retryAfterDelay", (Processor) failures::onFailure);
        bind(context, "intakeHold", new IntakeHoldPolicy(gate, timer));
        registerHealth(context, new PipelineHealth(name, gate, runs));
        // graceful shutdown starts by closing intake, so the in-flight calls can drain and be journaled; their
        // answers are awaited before Camel stops any consumer: a work item taken from a broker is acknowledged on
        // the consumer's session once its result is with its owner, and a session closed first would have the
        // broker deliver the item again (called twice)
        Duration drainTimeout = config.shutdown().timeout();
        context.getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextStoppingEvent) {
                    intake.stopTakingLines();
                    deliveries.stop(); // a sender still waiting is told its answer comes after the next start
                    gate.stop();
                    awaitCallsInFlight(slots, drainTimeout);
                } else if (event instanceof CamelEvent.CamelContextStoppedEvent) {
                    runs.close(); // open runs release their journals and OS locks
                    closeQuietly(closeClient); // the calls have drained with the routes
                }
            }
        });
        Results results = new Results(runs, observer.results());
        // results leave the pipeline from the journal, on the delivery route's own threads (60-delivery)
        bind(context, "results", results);
        bind(context, "record", results.recorder());
        bind(context, "rejects", new Rejects());
        // which inbox files are complete inputs (stable, not temporary, not links)
        bind(context, "inboxFilter", new InboxFilter(config.inbox()));
        bind(context, "realtimeOrBatch", new RouteDecider(config.batch()));
        BatchJobs batchJobs = BatchBeans.bind(context, name + "-", config, runs, jdkHttp);
        observer.watchBatches(BatchJobs.OPEN_STATUSES, batchJobs::jobsIn, BatchJobs.END_STATUSES,
                batchJobs::batchesEnded);

        // Across a broker, work items and results travel as JSON text (see llm.realtime.queue-uri)
        context.getTypeConverterRegistry().addTypeConverter(String.class, PromptRequest.class,
                converter(value -> WorkItems.requestToJson((PromptRequest) value)));
        context.getTypeConverterRegistry().addTypeConverter(String.class, PromptResult.class,
                converter(value -> WorkItems.resultToJson((PromptResult) value)));
        if (config.broker().enabled()) {
            // only here: the broker client is optional, a host without one never loads these classes
            BrokerConnections.register(context, name + "-jms", config.broker());
            if (brokerScheme != null) {
                context.addComponent(brokerScheme, context.getComponent(name + "-jms"));
            }
            bind(context, "takeWorkItem", BrokerWorkItems.take());
            bind(context, "workItemDone", BrokerWorkItems.done());
            bind(context, "runReopened", BrokerWorkItems.reopened(context, name, config.queue().resultsUri(),
                    runId -> {
                        var run = runs.find(runId);
                        return run == null || run.resumed();
                    }));
        } else {
            Processor nothing = exchange -> {
            };
            bind(context, "takeWorkItem", nothing);
            bind(context, "workItemDone", nothing);
            bind(context, "runReopened", nothing);
        }
    }

    /** The pipeline's health check, when the host has Camel's health checks (camel-health) at all. */
    private static void registerHealth(CamelContext context, PipelineHealth health) {
        HealthCheckRegistry registry = HealthCheckRegistry.get(context);
        if (registry != null) {
            registry.register(health);
        }
    }

    /** The registry of the runs: where they work, what they write, how they end. */
    private RunRegistry runRegistry() {
        RunRegistry.Options options = new RunRegistry.Options(config.runs().fsync(), config.inbox().followSymlinks(),
                config.runs().retryBroken(), config.shutdown().timeout(), config.schedule().keepOutputs(),
                config.output().format() == OutputFormat.OPENAI_BATCH ? ResultLines.OPENAI_BATCH
                        : ResultLines.PIPELINE);
        return new RunRegistry(config.runs().workRoot(), config.output().outbox(), config.output().order(),
                config.inbox().onDuplicate(), options, simulated, config.cost().spendRules());
    }

    /** Binds the chosen chat client as {@code NAME-chatClient}; returns what closes it when the pipeline stops. */
    private AutoCloseable bindChatClient(CamelContext context, CallGate gate, CallOutcomes outcomes, OpenAiHttp api,
                                         JdkHttp jdkHttp) {
        // whether an attempt past llm.timeout.response-ms is cut or waited on (a setting shorter than the server)
        ResponseTimeouts timeouts = new ResponseTimeouts(config.calls());
        bind(context, "responseTimeouts", timeouts);
        HttpClientChoice.Choice choice = HttpClientChoice.of(config.calls().client(), config.api().baseUrl(),
                onClassPath(HttpClientChoice.VERTX_CLASS), ProxySelector.getDefault(), config.names());
        String warning = choice.warning(ForkJoinPool.getCommonPoolParallelism());
        if (warning != null) {
            LOG.warn("pipeline {}: {}", name, warning);
        }
        if (choice.kind() == HttpClientKind.VERTX) {
            LOG.info("pipeline {}: chat calls on the Vert.x HTTP client ({})", name, choice.reason());
            // the class is loaded only here, so a host without Vert.x never needs it
            VertxChatClient client = new VertxChatClient(api, outcomes, config.calls().concurrency(),
                    VERTX_EVENT_LOOPS, timeouts);
            bind(context, "chatClient", client);
            gate.probeWith(client::probe);
            return client;
        }
        LOG.info("pipeline {}: chat calls on the JDK HTTP client ({})", name, choice.reason());
        ChatClient client = new ChatClient(jdkHttp, outcomes, timeouts);
        bind(context, "chatClient", client);
        gate.probeWith(client::probe);
        return () -> {
        };
    }

    private static void addService(CamelContext context, Object service) {
        try {
            context.addService(service, true, true);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start " + service + ": " + e.getMessage(), e);
        }
    }

    private static boolean onClassPath(String className) {
        try {
            Class.forName(className, false, PipelineBeans.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    /**
     * Waits for the calls in flight to have their results with their owners (llm.shutdown.timeout-ms at most),
     * before Camel stops any consumer: the routes run on meanwhile, so a results queue still brings in the answers
     * of calls made elsewhere, and a work queue's consumer keeps its session open for the acknowledgements still
     * owed (an item it takes meanwhile is withheld, unacknowledged, and goes back to the broker with the session).
     */
    private static void awaitCallsInFlight(CallSlots slots, Duration timeout) {
        if (slots.inUse() == 0) {
            return;
        }
        try {
            if (!slots.awaitIdle(timeout)) {
                LOG.warn("shutdown: {} prompts still had no result after {} ms (llm.shutdown.timeout-ms): they are "
                        + "asked again at the next start", slots.inUse(), timeout.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // the pipeline has stopped; nothing depends on this any more
        }
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
