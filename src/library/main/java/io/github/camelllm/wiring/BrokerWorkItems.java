package io.github.camelllm.wiring;

import io.github.camelllm.model.LlmConstants;
import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSConstants;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.component.jms.JmsEndpoint;
import org.apache.camel.component.jms.JmsMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work items taken from a broker queue in Artemis's individual-acknowledge mode
 * ({@code acknowledgementMode=101&asyncConsumer=true} on {@code llm.realtime.queue-uri}). The queue's consumer
 * only takes an item, waits for a free call slot and hands the item on: no thread waits for the answer. The item
 * stays unacknowledged, so the broker still counts it as this consumer's, until its result has been handed to
 * its owner (sent to the owner's results queue, or journaled here); then it is acknowledged on its own. If the
 * instance dies first, the broker delivers every unacknowledged item again to another instance: nothing taken is
 * lost, at most the calls in flight are paid twice, and the owner's journal keeps one result per line.
 * <p>
 * With a transacted or auto-acknowledged consumer (or a seda queue) both steps do nothing. Loaded only when a
 * broker is configured: the JMS classes are an optional dependency.
 */
final class BrokerWorkItems {

    private static final Logger LOG = LoggerFactory.getLogger(BrokerWorkItems.class);

    /** Exchange property: the acknowledgement still owed for this exchange's work item. */
    static final String PENDING_ACK = "llmWorkItemAck";

    private BrokerWorkItems() {
    }

    /** First step of the work queue's route: notes the broker message still to be acknowledged. */
    static Processor take() {
        return exchange -> {
            if (exchange.getMessage() instanceof JmsMessage jms && jms.getJmsMessage() != null
                    && jms.getJmsSession() != null
                    && jms.getJmsSession().getAcknowledgeMode() == ActiveMQJMSConstants.INDIVIDUAL_ACKNOWLEDGE) {
                exchange.setProperty(PENDING_ACK, new Ack(jms.getJmsMessage(), jms.getJmsSession()));
            }
        };
    }

    /**
     * A run opening here takes back the work items an earlier opening of it put on the broker queue and no
     * instance has taken yet. They are sent again with every line that has no result: left on the queue they
     * would be called twice (and a run taken over from a stopped instance names that instance's results queue in
     * them, where no answer would be read). Items an instance is calling right now stay with it; their results
     * come back to the run, and at most those lines are called twice. Only for a work queue on a JMS endpoint:
     * its items carry their run id and results endpoint as the JMS properties {@code llmRunId} and
     * {@code llmReplyTo}, which the selector names (two instances that run the same content each in a work folder
     * of their own have one run id, and each takes back only its own items).
     */
    static Processor takeBack(CamelContext context, String realtimeRouteId, String resultsUri) {
        String replyTo = context.resolvePropertyPlaceholders(resultsUri); // as the enqueue route sets it
        return exchange -> {
            String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
            Route realtime = context.getRoute(realtimeRouteId); // its endpoint is the work queue, as configured
            if (runId == null || realtime == null || !(realtime.getEndpoint() instanceof JmsEndpoint queue)
                    || queue.isPubSubDomain()) {
                return;
            }
            int taken = 0;
            ConnectionFactory factory = queue.getConfiguration().getOrCreateListenerConnectionFactory();
            try (Connection connection = factory.createConnection();
                 Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                 MessageConsumer earlier = session.createConsumer(session.createQueue(queue.getDestinationName()),
                         LlmConstants.RUN_ID + " = " + quoted(runId) + " AND " + LlmConstants.REPLY_TO_HEADER + " = "
                                 + quoted(replyTo))) {
                connection.start();
                while (earlier.receiveNoWait() != null) {
                    taken++;
                }
            }
            if (taken > 0) {
                LOG.info("run {}: {} work items an earlier opening put on {} were taken back; their lines are sent "
                        + "again now", runId, taken, queue.getDestinationName());
            }
        };
    }

    /** A string literal of a JMS message selector. */
    private static String quoted(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** Last step after a result was handed to its owner: acknowledges the work item it answered. */
    static Processor done() {
        return exchange -> {
            Ack ack = exchange.getProperty(PENDING_ACK, Ack.class);
            if (ack != null) {
                exchange.removeProperty(PENDING_ACK);
                ack.acknowledge();
            }
        };
    }

    private record Ack(Message message, Session session) {

        void acknowledge() {
            // a JMS session is meant for one thread at a time; answers complete on several
            synchronized (session) {
                try {
                    message.acknowledge();
                } catch (JMSException | RuntimeException e) {
                    LOG.warn("a work item could not be acknowledged ({}): the broker delivers it again, and its owner"
                            + " keeps the first result", e.getMessage());
                }
            }
        }
    }
}
