package io.github.camelllm;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.github.camelllm.batch.BatchHttp;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Embedded in a host's CamelContext, the pipeline leaves the host's own {@code http:} calls as they were: no API
 * key on them, their response headers kept. Its Batch API calls still carry the key, to the base URL only.
 */
class HostHttpUntouchedTest {

    static final String KEY = "sk-test-HOST-MUST-NOT-SEE-7c1e";

    @TempDir
    Path tmp;

    private final WireMockServer api = new WireMockServer(options().dynamicPort());
    private final WireMockServer host = new WireMockServer(options().dynamicPort());
    private CamelContext context;

    @BeforeEach
    void start() throws Exception {
        api.start();
        host.start();
        api.stubFor(get(urlEqualTo("/v1/batches?limit=100")).withHeader("Authorization", equalTo("Bearer " + KEY))
                .willReturn(aResponse().withHeader("Content-Type", "application/json").withBody("{\"data\":[]}")));
        host.stubFor(get(urlEqualTo("/inventory")).willReturn(aResponse().withHeader("Content-Type", "text/plain")
                .withHeader("X-Host-Header", "from-the-host-service").withBody("42 items")));

        Map<String, String> overrides = new HashMap<>(new PipelineFixture(tmp, api.baseUrl() + "/v1").overrides());
        overrides.put("llm.api-key", KEY);
        context = new DefaultCamelContext();
        LlmPipeline.named("assistant").set(overrides).addTo(context);
        context.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:host-call").to("http://localhost:" + host.port() + "/inventory");
            }
        });
        context.start();
    }

    @AfterEach
    void stop() {
        if (context != null) {
            context.stop();
        }
        api.stop();
        host.stop();
    }

    @Test
    void a_host_http_call_in_the_same_context_carries_no_key_and_keeps_its_response_headers() {
        Exchange answer = context.createProducerTemplate().request("direct:host-call", e -> { });

        assertThat(answer.getException()).isNull();
        assertThat(answer.getMessage().getBody(String.class)).isEqualTo("42 items");
        assertThat(answer.getMessage().getHeader("X-Host-Header", String.class)).isEqualTo("from-the-host-service");
        host.verify(1, getRequestedFor(urlEqualTo("/inventory")).withHeader("Authorization", absent()));
    }

    @Test
    void the_batch_calls_of_the_same_context_carry_the_key_to_the_base_url() throws Exception {
        BatchHttp batchHttp = context.getRegistry().lookupByNameAndType("assistant-batchHttp", BatchHttp.class);
        Exchange exchange = new DefaultExchange(context);
        batchHttp.find(exchange);
        context.createProducerTemplate().request("direct:host-call", e -> { });

        assertThat(exchange.getMessage().getBody(String.class)).isEqualTo("{\"data\":[]}");
        api.verify(1, getRequestedFor(urlEqualTo("/v1/batches?limit=100"))
                .withHeader("Authorization", equalTo("Bearer " + KEY)));
        host.verify(1, getRequestedFor(urlEqualTo("/inventory")).withHeader("Authorization", absent()));
    }
}
