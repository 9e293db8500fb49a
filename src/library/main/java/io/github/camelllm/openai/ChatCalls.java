package io.github.camelllm.openai;

import io.github.camelllm.model.LinesInFlight;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.json.WorkItems;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.SynchronizationAdapter;

import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * The two ends of one chat-completions call: taking a work item off the queue, and reading the answer; and the two
 * questions the realtime routes ask about a call (ref language): is it withheld, and does its result stay here.
 */
public final class ChatCalls {

    private final String localResults;
    private final BooleanSupplier stopping;
    private final Predicate<String> runAccepting;
    private final Answers answers;
    private final LinesInFlight inFlight;
    private final String ownResults;

    /**
     * @param localResults this pipeline's own results endpoint (a work item that names no other comes back here)
     * @param stopping     true once shutdown has begun: queued work items are then left for the next start
     * @param runAccepting false for a run that makes no further calls (its journal cannot be written, its input
     *                     changed): what is paid must be recordable
     */
    public ChatCalls(String localResults, BooleanSupplier stopping, Predicate<String> runAccepting) {
        this(localResults, stopping, runAccepting, new Answers(false), new LinesInFlight(), null);
    }

    /**
     * @param answers    what a result keeps of its answer
     * @param inFlight   where each prompt of this instance's own runs taken off the queue is noted until its
     *                   exchange is done
     * @param ownResults where this instance's runs take their results (llm.results.uri): a work item that names it
     *                   is one of this instance's own runs; null where no work item comes from a broker (nothing
     *                   taken off the queue can then be an earlier opening's)
     */
    public ChatCalls(String localResults, BooleanSupplier stopping, Predicate<String> runAccepting,
                     Answers answers, LinesInFlight inFlight, String ownResults) {
        this.localResults = localResults;
        this.stopping = stopping;
        this.runAccepting = runAccepting;
        this.answers = answers;
        this.inFlight = inFlight;
        this.ownResults = ownResults;
    }

    /**
     * Takes a work item off the queue: its prompt (the record itself from seda, or its JSON text from a broker
     * queue) and where its result must go (the llmReplyTo header; this instance's results route by default).
     */
    public void receive(Exchange exchange) {
        Message message = exchange.getMessage();
        PromptRequest request = request(message.getBody());
        String replyTo = message.getHeader(LlmConstants.REPLY_TO_HEADER, localResults, String.class);
        exchange.setProperty(CallState.PROPERTY, new CallState(request, replyTo));
        message.removeHeaders("*");
        message.setBody(null);
        if (ownResults != null && (replyTo.equals(ownResults) || replyTo.equals(localResults))) {
            inFlight.add(request.runId(), request.line());
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    inFlight.remove(request.runId(), request.line());
                }
            });
        }
    }

    /**
     * Whether the call of the prompt on the exchange is withheld: shutdown has begun (it has no result yet, so the
     * next start sends it), or its run makes no further calls (its journal cannot be written, its input changed).
     */
    public boolean withheld(Exchange exchange) {
        CallState call = exchange.getProperty(CallState.PROPERTY, CallState.class);
        return stopping.getAsBoolean() || !runAccepting.test(call.request().runId());
    }

    /** Whether the call's result goes to this instance's own results route (else to the queue it names). */
    public boolean repliesHere(Exchange exchange) {
        CallState call = exchange.getProperty(CallState.PROPERTY, CallState.class);
        return localResults.equals(call.getReplyTo());
    }

    PromptRequest request(Object body) {
        if (body instanceof PromptRequest request) {
            return request;
        }
        if (body instanceof String json) {
            return WorkItems.requestFromJson(json);
        }
        throw new IllegalArgumentException("expected a prompt work item, got " + (body == null ? "nothing" : body.getClass()));
    }

    /** Maps a 2xx answer to an ok result; anything that is not its endpoint's answer is an invalid response. */
    public PromptResult toResult(Exchange exchange) throws InvalidResponseException {
        CallState call = exchange.getProperty(CallState.PROPERTY, CallState.class);
        PromptRequest request = call.request();
        byte[] body = exchange.getMessage().getBody(byte[].class);
        Answers.Read answer = answers.read(request.endpoint(), body == null ? new byte[0] : body);
        return new PromptResult(request.runId(), request.customId(), request.line(), PromptResult.OK,
                PromptRequest.REALTIME, answer.content(), answer.finishReason(), answer.usage(), call.attempts(),
                call.latencyMs(System.nanoTime()), null, null, request.model(), answer.answer());
    }
}
