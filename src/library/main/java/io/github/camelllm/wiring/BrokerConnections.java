package io.github.camelllm.wiring;

import io.github.camelllm.config.BrokerConfig;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import jakarta.jms.JMSException;
import jakarta.jms.Session;
import org.apache.activemq.artemis.api.jms.ActiveMQJMSConstants;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.ConsumerType;
import org.apache.camel.component.jms.DefaultJmsMessageListenerContainer;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.component.jms.JmsEndpoint;
import org.springframework.jms.connection.CachingConnectionFactory;

import java.util.regex.Pattern;

/**
 * The JMS component of a pipeline whose work or results queue is on an ActiveMQ Artemis broker
 * ({@code llm.broker.url}). Its own class so that the broker client, an optional dependency, is loaded only by a
 * pipeline that uses one.
 * <p>
 * No message costs a connection, a session or a producer of its own:
 * <ul>
 *   <li>consumers (the work queue, the results queue, a broker input) each keep one session and one consumer on
 *       one shared connection for as long as they run (Spring's {@code CACHE_CONSUMER}). That is also the level
 *       for a {@code transacted=true} consumer: its local transaction is the session's, so no transaction manager
 *       is created for it (with one, Spring would drop to {@code CACHE_NONE}: a new session and consumer for
 *       every message);</li>
 *   <li>producers (work items from intake, results going back to their owner) borrow a cached session and
 *       producer on one shared connection.</li>
 * </ul>
 * Consumers take one message at a time from the broker ({@code consumerWindowSize=0} unless the broker URL sets
 * it): a work item waits on the broker, where any instance with a free call slot can take it, instead of in one
 * instance's client buffer; and an instance killed with -9 has at most the items it was working on to give back.
 */
final class BrokerConnections {

    /** Sessions kept for producers: about the number of threads that send at once (intake, answer threads). */
    private static final int PRODUCER_SESSIONS = 16;

    private static final Pattern WINDOW_SET = Pattern.compile("[?&;]consumerWindowSize=", Pattern.CASE_INSENSITIVE);

    private BrokerConnections() {
    }

    /**
     * @param component the pipeline's own {@code NAME-jms}, so that the host's {@code jms} component stays as it is
     */
    static void register(CamelContext context, String component, BrokerConfig broker) {
        ActiveMQConnectionFactory artemis = new ActiveMQConnectionFactory(broker.url(),
                broker.user().isEmpty() ? null : broker.user(), broker.password().isEmpty() ? null : broker.password());
        if (!WINDOW_SET.matcher(broker.url()).find()) {
            artemis.setConsumerWindowSize(0);
        }
        // an acknowledgement is on the broker before the call slot it frees is used again, so a kill -9 repeats
        // at most the calls that were in flight
        artemis.setBlockOnAcknowledge(true);
        // a queue named in a URI is looked up on the broker once per session, not once per message sent
        artemis.setCacheDestinations(true);

        CachingConnectionFactory producers = new CachingConnectionFactory(artemis);
        producers.setSessionCacheSize(PRODUCER_SESSIONS);
        producers.setCacheProducers(true);
        producers.setReconnectOnException(true);

        JmsComponent jms = new JmsComponent();
        jms.getConfiguration().setListenerConnectionFactory(artemis);
        jms.getConfiguration().setTemplateConnectionFactory(producers);
        jms.getConfiguration().setConnectionFactory(producers);
        jms.getConfiguration().setCacheLevelName("CACHE_CONSUMER");
        jms.getConfiguration().setLazyCreateTransactionManager(false);
        jms.getConfiguration().setConsumerType(ConsumerType.Custom);
        jms.getConfiguration().setMessageListenerContainerFactory(RouteAcknowledged::new);
        // a message received while the pipeline stops is still processed, never rejected: a rejection recovers
        // and closes the consumer's session, and with it the acknowledgements owed for calls still in flight (a
        // work item received then is left unacknowledged, and goes back to the broker when the session closes)
        jms.getConfiguration().setAcceptMessagesWhileStopping(true);
        context.addComponent(component, jms);
    }

    /**
     * Camel's listener container, except that a message of a session in Artemis's individual-acknowledge mode is
     * not acknowledged when the listener returns (Spring treats every vendor mode as client acknowledge, which
     * for an asynchronous consumer would acknowledge a work item as soon as it is handed to a call slot), nor
     * recovered when the listener fails: the route acknowledges it ({@link BrokerWorkItems}), and one that is
     * never acknowledged goes back to the broker when the session closes. Every other mode is unchanged.
     */
    private static final class RouteAcknowledged extends DefaultJmsMessageListenerContainer {

        RouteAcknowledged(JmsEndpoint endpoint) {
            super(endpoint);
        }

        @Override
        protected boolean isClientAcknowledge(Session session) throws JMSException {
            return session.getAcknowledgeMode() != ActiveMQJMSConstants.INDIVIDUAL_ACKNOWLEDGE
                    && super.isClientAcknowledge(session);
        }
    }
}
