package io.github.camelllm.wiring;

import io.github.camelllm.json.WorkItems;
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
import org.apache.camel.ProducerTemplate;
import org.apache.camel.Route;
import org.apache.camel.component.jms.JmsEndpoint;
import org.apache.camel.component.jms.JmsMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Predicate;

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
     * A run opening here again (resumed), over a broker, first settles what an earlier opening of it left there, before its
     * lines without a result are sent again:
     * <ul>
     * <li>its work items still queued, that no instance has taken yet, are taken back: they would be called twice
     * (and an item of a run taken over from a stopped instance names that instance's results queue, where no answer
     * would be read). First, so that no instance takes another one of them meanwhile;</li>
     * <li>its results still queued on this instance's results queue (answers that came back while the run was not
     * open here) are journaled, each acknowledged once it is: their lines are not sent again.</li>
     * </ul>
     * Items an instance is calling right now stay with it; their results come back to the run, and at most those
     * lines are called twice. Only for queues on JMS endpoints: items and results carry their run id as the JMS
     * property {@code llmRunId}, items also their results endpoint as {@code llmReplyTo}, which the selectors name
     * (two instances that run the same content, each in a work folder of its own, have one run id; each settles
     * only its own).
     */
    static Processor reopened(CamelContext context, String name, String resultsUri, Predicate<String> resumed) {
        String replyTo = context.resolvePropertyPlaceholders(resultsUri); // as the enqueue route sets it
        String resultRoute = "direct:" + name + "-result";
        return exchange -> {
            String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
            if (runId == null || !resumed.test(runId)) {
                return; // a run's first opening has left nothing on the broker
            }
            String ofRun = LlmConstants.RUN_ID + " = " + quoted(runId);
            JmsEndpoint work = queueOf(context.getRoute(name + "-realtime"));
            if (work != null) {
                int taken = drain(work, ofRun + " AND " + LlmConstants.REPLY_TO_HEADER + " = " + quoted(replyTo),
                        message -> { });
                if (taken > 0) {
                    LOG.info("run {}: {} work items an earlier opening put on {} were taken back; their lines are "
                            + "sent again now", runId, taken, work.getDestinationName());
                }
            }
            JmsEndpoint results = queueOf(context.getRoute(name + "-results-in"));
            if (results != null) {
                try (ProducerTemplate journal = context.createProducerTemplate()) {
                    int taken = drain(results, ofRun, message -> journal.sendBody(resultRoute,
                            WorkItems.resultFromJson(message.getBody(String.class))));
                    if (taken > 0) {
                        LOG.info("run {}: {} results that came back while it was not open here were journaled from {}",
                                runId, taken, results.getDestinationName());
                    }
                }
            }
        };
    }

    /** What is done with each message taken: it is acknowledged once this returns. */
    private interface Taken {
        void accept(Message message) throws Exception;
    }

    /** A route's endpoint when it is a JMS queue; else null. */
    private static JmsEndpoint queueOf(Route route) {
        return route != null && route.getEndpoint() instanceof JmsEndpoint queue && !queue.isPubSubDomain() ? queue
                : null;
    }

    /** Takes every message the selector names that no consumer holds; each acknowledged after {@code taken}. */
    private static int drain(JmsEndpoint queue, String selector, Taken taken) throws Exception {
        int n = 0;
        ConnectionFactory factory = queue.getConfiguration().getOrCreateListenerConnectionFactory();
        try (Connection connection = factory.createConnection();
             Session session = connection.createSession(false, Session.CLIENT_ACKNOWLEDGE);
             MessageConsumer consumer = session.createConsumer(session.createQueue(queue.getDestinationName()),
                     selector)) {
            connection.start();
            Message message;
            while ((message = consumer.receiveNoWait()) != null) {
                taken.accept(message);
                message.acknowledge();
                n++;
            }
        }
        return n;
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
