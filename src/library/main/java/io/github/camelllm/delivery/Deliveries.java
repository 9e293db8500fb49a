package io.github.camelllm.delivery;

import io.github.camelllm.json.ResultJson;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.run.DeliveryCursor;
import io.github.camelllm.run.Journal;
import io.github.camelllm.run.MessageInput;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunSummary;
import org.apache.camel.AsyncCallback;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Expression;
import org.apache.camel.Message;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.ExpressionAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Hands the results of the runs on to the host, apart from the calls: a journaled result only wakes its run's
 * delivery (a run id on {@code seda:NAME-deliver}, once per run however many results wait), and the delivery
 * route's own consumers read the results back from the run's journal and send them to {@code llm.output.uri}, or,
 * for a message whose sender waits (an InOut exchange), make the answer its reply once the run is complete. A
 * slow or stopped host endpoint slows delivery only; the call slots are free as soon as a result is journaled.
 * <p>
 * What was delivered is kept beside the journal ({@link DeliveryCursor}), so results not yet delivered at a stop
 * or a crash are delivered after the restart (at least once). A message run's work folder goes once its run is
 * complete and its results are with the host.
 */
public final class Deliveries {

    private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);

    /** {@link #next}: the message is the next result, for {@code llm.output.uri}. */
    public static final String RESULT = "result";
    /** {@link #next}: the run is complete and its sender waits for the reply. */
    public static final String REPLY = "reply";
    /** {@link #next}: nothing to hand on now. */
    public static final String NONE = "none";

    /** An exchange waiting for its run's answer, and how to tell it. */
    private record Waiter(Exchange exchange, AsyncCallback callback) {
    }

    /** One run's delivery in progress (one at a time per run). */
    private record Session(DeliveryCursor cursor, MessageInput message) {
    }

    private final String pipeline;
    private final RunRegistry runs;
    private final String queueUri;
    private final boolean toOutput;
    private final String outputSetting;
    private final Set<String> scheduled = ConcurrentHashMap.newKeySet();
    /** Runs whose sender waits for the answer; the list fills when the waiting exchange reaches the pipeline. */
    private final Map<String, List<Waiter>> waiting = new ConcurrentHashMap<>();
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    private final Set<String> warnedGone = ConcurrentHashMap.newKeySet();
    /** Runs whose sender got its reply: nothing more is owed. */
    private final Set<String> replied = ConcurrentHashMap.newKeySet();
    private final long retryDelayMs;
    private final long maxRetryDelayMs;
    /** Runs whose last delivery failed, and how long they wait before the next try (growing, reset by a success). */
    private final Map<String, Long> retryDelays = new ConcurrentHashMap<>();
    private final Set<String> failedNow = ConcurrentHashMap.newKeySet();
    /** Runs waiting out such a delay: new results do not wake them before it ends. */
    private final Set<String> backingOff = ConcurrentHashMap.newKeySet();
    private volatile ScheduledExecutorService retries;
    private volatile ProducerTemplate producer;
    private volatile boolean stopping;

    /**
     * @param queueUri      the delivery route's queue ({@code seda:NAME-deliver})
     * @param outputUri     {@code llm.output.uri}; empty for none
     * @param outputSetting the property that sets it, for messages
     * @param retryDelay    the first wait before a run whose delivery failed is tried again (llm.output.retry-delay-ms)
     * @param maxRetryDelay the longest such wait (llm.output.max-retry-delay-ms)
     */
    public Deliveries(String pipeline, RunRegistry runs, String queueUri, String outputUri, String outputSetting,
            Duration retryDelay, Duration maxRetryDelay) {
        this.pipeline = pipeline;
        this.retryDelayMs = Math.max(1, retryDelay.toMillis());
        this.maxRetryDelayMs = Math.max(retryDelayMs, maxRetryDelay.toMillis());
        this.runs = runs;
        this.queueUri = queueUri;
        this.toOutput = !outputUri.isBlank();
        this.outputSetting = outputSetting;
    }

    private volatile CamelContext context;

    /**
     * Deliveries are woken through this context's delivery queue; a run whose delivery failed is woken again by
     * {@code timer} (the pipeline's timers) after its delay.
     */
    public void start(CamelContext context, ScheduledExecutorService timer) {
        this.context = context;
        this.retries = timer;
    }

    private ProducerTemplate producer() {
        ProducerTemplate p = producer;
        if (p == null && context != null) {
            synchronized (this) {
                if (producer == null) {
                    producer = context.createProducerTemplate();
                }
                p = producer;
            }
        }
        return p;
    }

    /** Shutdown began: no delivery starts any more; a sender still waiting is told its answer comes later. */
    public void stop() {
        stopping = true;
        for (String runId : List.copyOf(waiting.keySet())) {
            List<Waiter> waiters = waiting.remove(runId);
            for (Waiter w : waiters == null ? List.<Waiter>of() : List.copyOf(waiters)) {
                w.exchange().setException(new IllegalStateException("pipeline " + pipeline + " is stopping: message "
                        + "run " + runId + " was accepted and is answered after the next start"
                        + (toOutput ? ", on " + outputSetting : "")));
                w.callback().done(false);
            }
        }
    }

    // ------------------------------------------------------------------------------------------- waking

    /**
     * A run has something for the host (a result journaled, its run complete, its sender now waiting): its delivery
     * is queued unless it is queued or running already. Never blocks.
     */
    public void wake(String runId) {
        ProducerTemplate p = producer();
        if (stopping || runId == null || p == null || backingOff.contains(runId) || !scheduled.add(runId)) {
            return;
        }
        try {
            p.sendBody(queueUri, runId);
        } catch (RuntimeException stoppedMeanwhile) {
            scheduled.remove(runId); // delivered after the next start, from the cursor
        }
    }

    /** The results route's step: the result on the exchange was journaled. */
    public void journaled(Exchange exchange) {
        wake(exchange.getProperty(LlmConstants.RUN_ID, String.class));
    }

    /** A run opened: from here on its results are owed to {@code llm.output.uri} (message runs owe them anyway). */
    public void runOpened(Exchange exchange) throws IOException {
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        if (toOutput && runId != null) {
            DeliveryCursor.begin(runs.workDirOf(runId));
        }
        wake(runId); // results journaled before a restart
    }

    /** At start: every run whose results are still owed to the host is delivered again from its cursor. */
    public void resumeOwed() throws IOException {
        for (String runId : runs.owingDelivery()) {
            wake(runId);
        }
    }

    // ------------------------------------------------------------------------------------- request-reply

    /** The sender of this message run waits for its answer (called when the message is accepted). */
    public void expectReply(String runId) {
        waiting.putIfAbsent(runId, new ArrayList<>());
    }

    /**
     * A waiting exchange reached the pipeline: it completes (through {@code callback}) when its run does. Returns
     * false: the caller's thread is not held meanwhile.
     */
    public boolean await(Exchange exchange, AsyncCallback callback) {
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        if (stopping) {
            exchange.setException(new IllegalStateException("pipeline " + pipeline + " is stopping: message run "
                    + runId + " is answered after the next start"));
            callback.done(true);
            return true;
        }
        if (runs.find(runId) == null && !waiting.containsKey(runId)) {
            exchange.setException(new IllegalStateException("this message was accepted before as run " + runId
                    + ", which is " + (runs.completed(runId) ? "answered already" : "run by another process")
                    + ": its answer is not given twice"));
            callback.done(true);
            return true;
        }
        synchronized (waiting) {
            waiting.computeIfAbsent(runId, id -> new ArrayList<>()).add(new Waiter(exchange, callback));
        }
        wake(runId);
        return false;
    }

    // ------------------------------------------------------------------------------- the delivery route

    /**
     * What the run (property llmRunId) hands on next. For {@link #RESULT} the message becomes that result (its
     * JSON, the sender's headers, llmCustomId, llmRunId, llmStatus, llmLine, llmPipeline) and property
     * llmDeliveryEnd says where the cursor moves once it is delivered.
     */
    public String next(Exchange exchange) throws IOException {
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        if (waiting.containsKey(runId)) {
            List<Waiter> waiters = waiting.get(runId);
            boolean attached = waiters != null && !waiters.isEmpty();
            return attached && over(runId) ? REPLY : NONE;
        }
        if (!toOutput) {
            return NONE;
        }
        Session session = session(runId);
        if (session == null) {
            return NONE;
        }
        DeliveryCursor.Entry entry = session.cursor().next();
        if (entry == null) {
            return NONE;
        }
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        if (session.message() != null) {
            session.message().headers().forEach(message::setHeader);
        }
        name(message, entry.result());
        message.setBody(entry.json());
        exchange.setProperty(LlmConstants.DELIVERY_END, entry.end());
        return RESULT;
    }

    /** {@link #next} as the expression whose answer the delivery route keeps and tests (ref language). */
    public Expression nextDelivery() {
        return new ExpressionAdapter() {
            @Override
            public Object evaluate(Exchange exchange) {
                try {
                    return next(exchange);
                } catch (IOException e) {
                    throw new org.apache.camel.RuntimeCamelException(e);
                }
            }
        };
    }

    /** The result on the exchange is with the host: the cursor moves past it. */
    public void delivered(Exchange exchange) throws IOException {
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        Session session = sessions.get(runId);
        session.cursor().advance(exchange.getProperty(LlmConstants.DELIVERY_END, Long.class));
        retryDelays.remove(runId);
    }

    /**
     * The run is complete and its sender waits: its results, in line order and one per line (for a single prompt,
     * exactly that result's JSON), become the reply, with the sender's headers and the llm* headers that name it;
     * a run that stopped answers with its cause. Its results count as delivered.
     */
    public void reply(Exchange exchange) throws IOException {
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        List<Waiter> waiters;
        synchronized (waiting) {
            waiters = waiting.remove(runId);
        }
        if (waiters == null) {
            return;
        }
        CompletableFuture<RunSummary> completion = runs.completionOf(runId);
        Throwable failed = null;
        if (completion != null && completion.isCompletedExceptionally()) {
            try {
                completion.join();
            } catch (RuntimeException e) {
                failed = e.getCause() != null ? e.getCause() : e;
            }
        }
        TreeMap<Long, String> byLine = new TreeMap<>();
        TreeMap<Long, PromptResult> results = new TreeMap<>();
        Journal.scan(runs.journalOf(runId), (offset, length, line) -> {
            try {
                PromptResult r = ResultJson.read(runId, line);
                byLine.put(r.line(), line);
                results.put(r.line(), r);
            } catch (IOException | RuntimeException unreadable) {
                // a torn record was asked again: its later record counts
            }
        });
        MessageInput message = runs.messageOf(runId);
        for (Waiter w : waiters) {
            Message reply = w.exchange().getMessage();
            if (failed != null) {
                w.exchange().setException(failed);
            } else {
                reply.removeHeaders("*");
                if (message != null) {
                    message.headers().forEach(reply::setHeader);
                }
                if (results.size() == 1) {
                    name(reply, results.firstEntry().getValue());
                } else {
                    reply.setHeader(LlmConstants.RUN_ID_HEADER, runId);
                    reply.setHeader(LlmConstants.STATUS_HEADER, status(results.values()));
                    reply.setHeader(LlmConstants.PIPELINE_HEADER, pipeline);
                    reply.setHeader(Exchange.CONTENT_TYPE, "application/json");
                }
                reply.setBody(String.join("\n", byLine.values()));
            }
        }
        skipAll(runId);
        replied.add(runId);
        for (Waiter w : waiters) {
            w.callback().done(false); // the sender's route goes on here, on a delivery thread
        }
    }

    /**
     * The delivery was cut short (shutdown, or a failure the endpoint's retries do not cover, such as an endpoint
     * that gives no producer): the cursor stays, and the run is tried again after a delay that doubles with each
     * failure in a row, from llm.output.retry-delay-ms up to llm.output.max-retry-delay-ms.
     */
    public void interrupted(Exchange exchange) {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        if (stopping) {
            LOG.info("run {}: delivery stopped by shutdown; its results not yet delivered follow after the next "
                    + "start", runId);
            return;
        }
        long delay = retryDelays.merge(runId, retryDelayMs, (last, first) -> Math.min(maxRetryDelayMs, last * 2));
        failedNow.add(runId);
        LOG.warn("run {}: delivery to {} failed ({}); tried again in {} ms", runId, outputSetting,
                cause == null ? "unknown cause" : cause.getMessage(), delay);
    }

    /** The delivery of a run is over for now: a complete run whose results are with the host lets its folder go. */
    public void done(Exchange exchange) throws IOException {
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        Session session = sessions.remove(runId);
        boolean atEnd = true;
        if (session != null) {
            atEnd = session.cursor().atEnd();
            session.cursor().close();
        }
        boolean more = false;
        if (!stopping && runs.completed(runId) && runs.find(runId) == null) {
            if (waiting.containsKey(runId)) {
                List<Waiter> waiters = waiting.get(runId);
                more = waiters != null && !waiters.isEmpty();
            } else if (replied.remove(runId) || (toOutput && atEnd)) {
                runs.release(runId);
            } else if (toOutput) {
                more = true;
            } else {
                MessageInput message = runs.messageOf(runId);
                if (message == null || !message.requestReply()) {
                    runs.release(runId);
                } else if (warnedGone.add(runId)) {
                    LOG.warn("run {}: the sender of request-reply message {} is gone (a restart); its results "
                            + "stay in {} (set {} to receive them)", runId, message.messageId(),
                            runs.journalOf(runId), outputSetting);
                }
            }
        } else if (!stopping && session != null && !atEnd && toOutput && !waiting.containsKey(runId)) {
            more = true;
        }
        boolean failed = failedNow.remove(runId);
        scheduled.remove(runId);
        if (failed && !stopping) {
            wakeLater(runId, retryDelays.getOrDefault(runId, retryDelayMs)); // whatever else it would have done
        } else if (more) {
            wake(runId);
        }
    }

    private void wakeLater(String runId, long delayMs) {
        ScheduledExecutorService timer = retries;
        if (timer == null) {
            return; // not started: delivered after the next start, from the cursor
        }
        backingOff.add(runId);
        try {
            timer.schedule(() -> {
                backingOff.remove(runId);
                wake(runId);
            }, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stoppedMeanwhile) {
            backingOff.remove(runId); // delivered after the next start, from the cursor
        }
    }

    private Session session(String runId) throws IOException {
        Session known = sessions.get(runId);
        if (known != null) {
            return known;
        }
        if (!DeliveryCursor.owed(runs.workDirOf(runId))) {
            return null;
        }
        Session opened = new Session(DeliveryCursor.open(runId, runs.workDirOf(runId)), runs.messageOf(runId));
        sessions.put(runId, opened);
        return opened;
    }

    private void skipAll(String runId) throws IOException {
        Session session = session(runId);
        if (session == null) {
            return;
        }
        DeliveryCursor.Entry last = null;
        for (DeliveryCursor.Entry e = session.cursor().next(); e != null; e = session.cursor().next()) {
            session.cursor().advance(e.end());
            last = e;
        }
        if (last != null) {
            LOG.debug("run {}: answered as a reply, its results are delivered", runId);
        }
    }

    /** The run is over: complete with its outputs written, or stopped (its sender is told why). */
    private boolean over(String runId) {
        if (runs.completed(runId)) {
            return true;
        }
        CompletableFuture<RunSummary> completion = runs.completionOf(runId);
        return completion != null && completion.isCompletedExceptionally();
    }

    private void name(Message message, PromptResult result) {
        message.setHeader(LlmConstants.CUSTOM_ID_HEADER, result.customId());
        message.setHeader(LlmConstants.RUN_ID_HEADER, result.runId());
        message.setHeader(LlmConstants.STATUS_HEADER, result.status());
        message.setHeader(LlmConstants.LINE_HEADER, result.line());
        message.setHeader(LlmConstants.PIPELINE_HEADER, pipeline);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
    }

    /** One status for several results: ok when all are, else error when any is, else invalid. */
    private static String status(Iterable<PromptResult> results) {
        boolean allOk = true;
        boolean anyError = false;
        for (PromptResult r : results) {
            allOk &= r.ok();
            anyError |= PromptResult.ERROR.equals(r.status());
        }
        return allOk ? PromptResult.OK : anyError ? PromptResult.ERROR : PromptResult.INVALID;
    }
}
