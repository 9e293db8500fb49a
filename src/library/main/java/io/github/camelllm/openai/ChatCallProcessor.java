package io.github.camelllm.openai;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

import java.util.function.BiConsumer;

/**
 * One chat-completions attempt as a Camel step, whatever HTTP client sends it: the answer's body (or the failure)
 * goes on the exchange, and the gate's own probes go out the same way with their answer only reported to the gate.
 */
public abstract class ChatCallProcessor extends AsyncProcessorSupport {

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        CallState call = exchange.getProperty(CallState.PROPERTY, CallState.class);
        return send(call, (body, failure) -> {
            if (failure != null) {
                exchange.setException(failure);
            } else {
                exchange.getMessage().setBody(body);
            }
        }, callback);
    }

    /** A probe of the gate's own: sent like a prompt, its answer only reported to the gate. */
    public void probe(CallState call) {
        send(call, (body, failure) -> {
        }, doneSync -> {
        });
    }

    /**
     * Sends one attempt; {@code outcome} gets the body of a 2xx answer or the failure, then {@code callback} is
     * called, as Camel's asynchronous routing expects.
     *
     * @return true when it completed before returning (the callback was called with true)
     */
    protected abstract boolean send(CallState call, BiConsumer<byte[], Exception> outcome, AsyncCallback callback);
}
