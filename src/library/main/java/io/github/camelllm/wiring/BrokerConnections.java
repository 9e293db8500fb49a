package io.github.camelllm.wiring;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsComponent;
import org.springframework.jms.connection.CachingConnectionFactory;

/**
 * The JMS component of a pipeline whose work or results queue is on an ActiveMQ Artemis broker
 * ({@code llm.broker.url}). Its own class so that the broker client, an optional dependency, is loaded only by a
 * pipeline that uses one.
 */
final class BrokerConnections {

    private BrokerConnections() {
    }

    /**
     * @param component {@code jms} for the command-line application (it owns its context); inside a host the
     *                  pipeline's own {@code NAME-jms}, so that the host's {@code jms} component stays as it is
     */
    static void register(CamelContext context, String component, String brokerUrl, String user, String password,
                         int concurrency) {
        CachingConnectionFactory cached = new CachingConnectionFactory(
                new ActiveMQConnectionFactory(brokerUrl, user, password));
        cached.setSessionCacheSize(Math.max(10, Math.min(concurrency, 200)));
        if (context.hasComponent(component) instanceof JmsComponent existing && component.equals("jms")) {
            existing.setConnectionFactory(cached);
            return;
        }
        JmsComponent jms = new JmsComponent();
        jms.setConnectionFactory(cached);
        context.addComponent(component, jms);
    }
}
