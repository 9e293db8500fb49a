package io.github.camelllm.routes;

import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.config.BatchConfig;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.run.RunStopped;
import io.github.camelllm.batch.RouteDecider;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/** 20-dispatch.camel.yaml: each prompt goes to the Batch API or a real-time call, by its mode and its size. */
class DispatchRouteTest extends RouteFileTestSupport {

    DispatchRouteTest() {
        super("20-dispatch.camel.yaml", Map.of("llm.batch.queue-uri", "mock:batch"));
    }

    static final int LONG_PROMPT_TOKENS = 50;

    /** The one question the route asks the run registry: does this run still make calls? */
    public static final class Runs {
        final Set<String> stopped = ConcurrentHashMap.newKeySet();

        public boolean accepting(String runId) {
            return !stopped.contains(runId);
        }
    }

    final Runs runs = new Runs();

    @Override
    RouteBuilder standIns() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:llm-realtime-enqueue").to("mock:realtime");
            }
        };
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        registry.bind("llm-runs", runs);
        registry.bind("llm-runStopped", new RunStopped(runs::accepting));
        registry.bind("llm-realtimeOrBatch", new RouteDecider(batch(true)));
    }

    static PromptRequest prompt(String runId, String customId, String mode, int estimatedTokens) {
        return new PromptRequest(runId, 1, customId, "gpt-4o-mini", "{}", mode, estimatedTokens, null);
    }

    List<String> received(String mock) {
        MockEndpoint endpoint = getMockEndpoint(mock);
        return endpoint.getExchanges().stream()
                .map(e -> e.getMessage().getBody(PromptRequest.class).customId()).toList();
    }

    @Test
    void prompts_over_the_long_prompt_threshold_go_to_the_batch_api_and_the_rest_is_called_in_real_time()
            throws Exception {
        MockEndpoint batch = getMockEndpoint("mock:batch");
        batch.expectedMessageCount(1);
        batch.expectedPropertyReceived("llmRoute", "batch");
        MockEndpoint realtime = getMockEndpoint("mock:realtime");
        realtime.expectedMessageCount(1);
        realtime.expectedPropertyReceived("llmRoute", "realtime");

        template.sendBody("direct:llm-dispatch", prompt("r1", "long", null, LONG_PROMPT_TOKENS + 1));
        template.sendBody("direct:llm-dispatch", prompt("r1", "at-the-limit", null, LONG_PROMPT_TOKENS));

        MockEndpoint.assertIsSatisfied(context);
        assertThat(received("mock:batch")).containsExactly("long");
        assertThat(received("mock:realtime")).containsExactly("at-the-limit");
    }

    @Test
    void an_explicit_mode_wins_over_the_size() throws Exception {
        template.sendBody("direct:llm-dispatch", prompt("r1", "short-but-batch", "batch", 1));
        template.sendBody("direct:llm-dispatch", prompt("r1", "long-but-realtime", "realtime", 10 * LONG_PROMPT_TOKENS));

        assertThat(received("mock:batch")).containsExactly("short-but-batch");
        assertThat(received("mock:realtime")).containsExactly("long-but-realtime");
    }

    @Test
    void a_stopped_run_sends_nothing_further() {
        runs.stopped.add("stopped-run");
        Exchange done = template.send("direct:llm-dispatch",
                e -> e.getMessage().setBody(prompt("stopped-run", "late", null, 1)));
        template.sendBody("direct:llm-dispatch", prompt("r1", "other-run", null, 1));

        assertThat(done.getException()).isNull();
        assertThat(received("mock:batch")).isEmpty();
        assertThat(received("mock:realtime")).containsExactly("other-run");
    }

    @Test
    void with_the_batch_api_off_every_prompt_is_called_in_real_time() {
        RouteDecider off = new RouteDecider(batch(false));
        assertThat(off.route(prompt("r1", "long", null, 10 * LONG_PROMPT_TOKENS))).isEqualTo(PromptRequest.REALTIME);
        assertThat(off.route(prompt("r1", "asked", "batch", 1))).isEqualTo(PromptRequest.REALTIME);
    }

    static BatchConfig batch(boolean enabled) {
        return PipelineConfig.of(Map.of("batch.enabled", Boolean.toString(enabled), "route.long-prompt-tokens",
                Integer.toString(LONG_PROMPT_TOKENS))).batch();
    }
}
