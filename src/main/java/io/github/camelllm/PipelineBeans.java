package io.github.camelllm;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.camelllm.batch.RouteDecider;
import io.github.camelllm.intake.InboxFilter;
import io.github.camelllm.intake.Intake;
import io.github.camelllm.intake.PromptParser;
import io.github.camelllm.openai.ApiKeyConfigurer;
import io.github.camelllm.openai.ChatCalls;
import io.github.camelllm.openai.FailurePolicy;
import io.github.camelllm.run.Rejects;
import io.github.camelllm.run.Results;
import io.github.camelllm.run.RunRegistry;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.Exchange;
import org.apache.camel.TypeConverter;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.support.TypeConverterSupport;
import org.springframework.jms.connection.CachingConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.component.http.HttpComponent;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.util.Timeout;

import java.util.concurrent.ScheduledExecutorService;

/**
 * Creates the pipeline's beans from the settings and binds them under the names the routes use.
 * The flow itself lives in {@code routes/*.camel.yaml}.
 */
public final class PipelineBeans implements CamelConfiguration {

    private final Settings settings;

    public PipelineBeans(Settings settings) {
        this.settings = settings;
    }

    @Override
    public void configure(CamelContext context) {
        int concurrency = settings.getInt("llm.concurrency", 1);
        long connectMs = settings.getLong("llm.timeout.connect-ms", 1);
        long responseMs = settings.getLong("llm.timeout.response-ms", 1);

        RunRegistry runs = RunRegistry.fromSettings(settings);
        PromptParser parser = new PromptParser(new ObjectMapper(), settings.get("llm.model"));
        bind(context, "runs", runs);
        Intake intake = new Intake(runs, parser, settings.getInt("llm.input.max-line-bytes", 16));
        bind(context, "intake", intake);
        // graceful shutdown starts by closing intake, so the in-flight calls can drain and be journaled
        context.getManagementStrategy().addEventNotifier(new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                if (event instanceof CamelEvent.CamelContextStoppingEvent) {
                    intake.stopTakingLines();
                } else if (event instanceof CamelEvent.CamelContextStoppedEvent) {
                    runs.close(); // open runs release their journals and OS locks
                }
            }
        });
        bind(context, "chat", new ChatCalls(settings.getInt("llm.response.max-bytes", 1024), intake::isStopping));
        FailurePolicy failures = new FailurePolicy(settings.getInt("llm.retry.max-attempts", 1),
                settings.getLong("llm.retry.max-retry-after-ms", 0), responseMs, settings.apiKey());
        bind(context, "failures", failures);
        bind(context, "retryAfterDelay", (Processor) failures::onFailure);
        bind(context, "results", new Results(runs));
        bind(context, "rejects", new Rejects());
        // which inbox files are complete inputs (stable, not temporary, not links)
        bind(context, "inboxFilter", new InboxFilter(settings.getLong("llm.inbox.read-lock-ms", 0),
                settings.getBoolean("llm.inbox.require-marker"), settings.getBoolean("llm.inbox.follow-symlinks")));
        bind(context, "router", new RouteDecider(settings.getBoolean("llm.batch.enabled"),
                settings.getInt("llm.route.long-prompt-tokens", 0)));
        // --- batch + schedule (issue 3) ---
        io.github.camelllm.batch.BatchBeans.bind(context, settings, runs);
        // --- end batch + schedule ---

        // Across a broker, work items and results travel as JSON text (see llm.realtime.queue-uri)
        context.getTypeConverterRegistry().addTypeConverter(String.class, PromptRequest.class,
                converter(value -> WorkItems.requestToJson((PromptRequest) value)));
        context.getTypeConverterRegistry().addTypeConverter(String.class, PromptResult.class,
                converter(value -> WorkItems.resultToJson((PromptResult) value)));
        String brokerUrl = settings.get("llm.broker.url", "");
        if (!brokerUrl.isEmpty()) {
            ActiveMQConnectionFactory artemis = new ActiveMQConnectionFactory(brokerUrl,
                    settings.get("llm.broker.user", null), settings.get("llm.broker.password", null));
            CachingConnectionFactory cached = new CachingConnectionFactory(artemis);
            cached.setSessionCacheSize(Math.max(10, Math.min(concurrency, 200)));
            context.getComponent("jms", JmsComponent.class).setConnectionFactory(cached);
        }

        // Delayed retries run on this pool (asyncDelayedRedelivery): a backoff never holds a caller thread, and
        // a retried call that is due runs here while the HTTP pool below still caps what is in flight.
        ScheduledExecutorService retries = context.getExecutorServiceManager()
                .newScheduledThreadPool(this, "llm-retry", concurrency);
        bind(context, "llmRetryScheduler", retries);

        // One connection pool for every API call, sized from llm.concurrency: the HTTP client's defaults
        // (20 per route) would silently cap what the server sees (DESIGN pitfalls 1 and 14).
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnTotal(concurrency)
                .setMaxConnPerRoute(concurrency)
                .setDefaultConnectionConfig(ConnectionConfig.custom()
                        .setConnectTimeout(Timeout.ofMilliseconds(connectMs))
                        .setSocketTimeout(Timeout.ofMilliseconds(responseMs))
                        .build())
                .build();
        ApiKeyConfigurer auth = new ApiKeyConfigurer(settings.apiKey());
        for (String scheme : new String[]{"http", "https"}) {
            HttpComponent http = context.getComponent(scheme, HttpComponent.class);
            http.setClientConnectionManager(pool);
            http.setMaxTotalConnections(concurrency);
            http.setConnectionsPerRoute(concurrency);
            http.setConnectTimeout(connectMs);
            http.setResponseTimeout(responseMs);
            http.setSoTimeout(responseMs);
            // waiting for a free connection is how calls queue behind llm.concurrency: it must not time out
            http.setConnectionRequestTimeout(settings.getLong("llm.timeout.pool-wait-ms", 1));
            http.setAutomaticRetriesDisabled(true); // retries are Camel's, visible and counted (pitfall 2)
            http.setSkipResponseHeaders(true);
            // per-request work the API never needs (an API key is a header, not an auth scheme; no cookies)
            http.setCookieManagementDisabled(true);
            http.setAuthCachingDisabled(true);
            http.setConnectionStateDisabled(true);
            http.setHttpClientConfigurer(auth);
        }
    }

    private static TypeConverter converter(java.util.function.Function<Object, String> toJson) {
        return new TypeConverterSupport() {
            @Override
            public <T> T convertTo(Class<T> type, Exchange exchange, Object value) {
                return type.cast(toJson.apply(value));
            }
        };
    }

    private static void bind(CamelContext context, String name, Object bean) {
        context.getRegistry().bind(name, bean);
    }
}
