package io.github.camelllm.wiring;

import io.github.camelllm.config.BrokerConfig;
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
     * @param component the pipeline's own {@code NAME-jms}, so that the host's {@code jms} component stays as it is
     */
    static void register(CamelContext context, String component, BrokerConfig broker, int concurrency) {
        CachingConnectionFactory cached = new CachingConnectionFactory(new ActiveMQConnectionFactory(broker.url(),
                broker.user().isEmpty() ? null : broker.user(), broker.password().isEmpty() ? null : broker.password()));
        cached.setSessionCacheSize(Math.max(10, Math.min(concurrency, 200)));
        JmsComponent jms = new JmsComponent();
        jms.setConnectionFactory(cached);
        context.addComponent(component, jms);
    }
}
