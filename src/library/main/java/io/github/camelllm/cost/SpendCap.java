package io.github.camelllm.cost;

import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.model.PromptResult.ErrorInfo;
import org.apache.camel.Exchange;
import org.apache.camel.support.ExpressionAdapter;
import org.apache.camel.support.SynchronizationAdapter;

import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * The spend cap in front of every real-time call ({@code llm.budget.max-cost-usd}): the realtime route asks it
 * (ref language) once per prompt, after the prompt took its call slot and before its first attempt, and keeps the
 * answer:
 * <ul>
 *   <li>{@value #GO}: the call's worst case is reserved in its run's ledger until the prompt has its result (its
 *   retries included: a failed attempt costs nothing);</li>
 *   <li>{@value #REFUSED}: the call would pass the cap, or its model has no price, or nothing bounds its answer:
 *   the prompt ends as a {@code budget_exceeded} error ({@link #refusal});</li>
 *   <li>{@value #WITHHELD}: shutdown began while the call waited for room under the cap: the prompt is left for the
 *   next start.</li>
 * </ul>
 * While only the reservations of calls in flight stand in the way, it waits for their answers (as the call slots
 * do, holding the queue's consumer). A run owned by another instance (a broker work queue) is not known here:
 * its calls go, and its owner counts their cost.
 */
public final class SpendCap extends ExpressionAdapter {

    public static final String GO = "go";
    public static final String REFUSED = "refused";
    public static final String WITHHELD = "withheld";

    private static final long RECHECK_MS = 200;

    private final Function<String, RunSpend> spendOfRun;
    private final Function<Exchange, PromptRequest> requestOf;
    private final BooleanSupplier stopping;

    /**
     * @param spendOfRun the ledger of a run in progress here, or null
     * @param requestOf  the prompt of the exchange
     * @param stopping   true once shutdown has begun
     */
    public SpendCap(Function<String, RunSpend> spendOfRun, Function<Exchange, PromptRequest> requestOf,
                    BooleanSupplier stopping) {
        this.spendOfRun = spendOfRun;
        this.requestOf = requestOf;
        this.stopping = stopping;
    }

    @Override
    public Object evaluate(Exchange exchange) {
        PromptRequest request = requestOf.apply(exchange);
        RunSpend spend = spendOfRun.apply(request.runId());
        if (spend == null) {
            return GO;
        }
        while (true) {
            RunSpend.Outcome outcome = spend.reserve(request, false);
            switch (outcome.verdict()) {
                case GO -> {
                    RunSpend.Reservation held = outcome.reservation();
                    exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                        @Override
                        public void onDone(Exchange done) {
                            spend.release(held);
                        }
                    });
                    return GO;
                }
                case REFUSE -> {
                    exchange.setProperty(LlmConstants.BUDGET_REASON, outcome.reason());
                    return REFUSED;
                }
                default -> {
                    if (stopping.getAsBoolean() || !spend.awaitRelease(RECHECK_MS)) {
                        return WITHHELD;
                    }
                }
            }
        }
    }

    /** The error result of a prompt the cap refused to call. */
    public PromptResult refusal(Exchange exchange) {
        PromptRequest request = requestOf.apply(exchange);
        String reason = exchange.getProperty(LlmConstants.BUDGET_REASON, "the spend cap was reached", String.class);
        return PromptResult.error(request, PromptRequest.REALTIME, 0, 0,
                new ErrorInfo(RunSpend.BUDGET_EXCEEDED, reason, null), null);
    }
}
