package io.github.camelllm.delivery;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * The messages route's last step for a sender that waits for the answer (an InOut exchange): the exchange is
 * parked without a thread until its run is complete, then the delivery route makes the answer its reply. A
 * sender that uses Camel's asynchronous API (or a JMS consumer with {@code asyncConsumer=true}) holds no thread
 * meanwhile either.
 */
public final class AwaitReply extends AsyncProcessorSupport {

    private final Deliveries deliveries;

    public AwaitReply(Deliveries deliveries) {
        this.deliveries = deliveries;
    }

    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        return deliveries.await(exchange, callback);
    }
}
