package io.github.camelllm.routes;

import io.github.camelllm.cost.Prices;
import io.github.camelllm.cost.RunSpend;
import io.github.camelllm.cost.SpendCap;
import io.github.camelllm.cost.SpendRules;
import io.github.camelllm.flow.CallSlots;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.openai.CallState;
import io.github.camelllm.openai.ChatCalls;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * 30-realtime.camel.yaml, the decisions its routes take per prompt: a call withheld at shutdown or for a stopped
 * run is never made, a prompt waits for a call slot (and gives up the wait at shutdown), a call the run's spend cap
 * refuses ends as a budget_exceeded result uncalled, and a result goes back to the instance that owns its run.
 */
class RealtimeRouteTest extends RouteFileTestSupport {

    static final String WORK_QUEUE = "direct:llm-work";

    RealtimeRouteTest() {
        super("30-realtime.camel.yaml", Map.of("llm.realtime.queue-uri", WORK_QUEUE, "llm.results.uri",
                "direct:llm-result"), Set.of("realtime", "chat-call", "reply"));
    }

    final AtomicBoolean stopping = new AtomicBoolean();
    final Set<String> stoppedRuns = ConcurrentHashMap.newKeySet();
    final CallSlots slots = new CallSlots(1, stopping::get);
    final AtomicInteger gatePassed = new AtomicInteger();
    final Map<String, RunSpend> spends = new ConcurrentHashMap<>();

    @Override
    RouteBuilder standIns() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:llm-chat").to("mock:chat");
                from("direct:llm-result").to("mock:result");
            }
        };
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        ChatCalls chat = new ChatCalls("direct:llm-result", stopping::get, runId -> !stoppedRuns.contains(runId));
        registry.bind("llm-receive", (Processor) chat::receive);
        // work items from a seda queue: nothing to acknowledge
        registry.bind("llm-takeWorkItem", (Processor) exchange -> { });
        registry.bind("llm-runIdOfMessage", org.apache.camel.support.builder.ExpressionBuilder.constantExpression("run"));
        registry.bind("llm-workItemDone", (Processor) exchange -> { });
        registry.bind("llm-callWithheld", (Predicate) chat::withheld);
        registry.bind("llm-repliesHere", (Predicate) chat::repliesHere);
        registry.bind("llm-takeCallSlot", slots);
        registry.bind("llm-spendCap", new SpendCap(spends::get,
                e -> e.getProperty(CallState.PROPERTY, CallState.class).request(), stopping::get));
        registry.bind("llm-callGate", (Processor) exchange -> gatePassed.incrementAndGet());
        registry.bind("llm-chatClient", (Processor) exchange -> exchange.getMessage().setBody("answered"));
    }

    static PromptRequest prompt(String runId, String customId) {
        return new PromptRequest(runId, 1, customId, "gpt-4o-mini", "{}", null, 1, null);
    }

    List<String> called() {
        return getMockEndpoint("mock:chat").getExchanges().stream()
                .map(e -> e.getProperty(CallState.PROPERTY, CallState.class).request().customId()).toList();
    }

    @Test
    void a_prompt_taken_off_the_queue_holds_a_call_slot_until_it_is_done() throws Exception {
        MockEndpoint chat = getMockEndpoint("mock:chat");
        chat.whenAnyExchangeReceived(e -> assertThat(slots.inUse()).as("the slot of the prompt being called").isOne());

        template.sendBody(WORK_QUEUE, prompt("r1", "a"));

        assertThat(called()).containsExactly("a");
        assertThat(chat.getExchanges().get(0).getProperty(LlmConstants.SLOT_TAKEN)).isEqualTo(true);
        assertThat(slots.inUse()).as("given back").isZero();
    }

    @Test
    void once_shutdown_has_begun_a_queued_prompt_is_not_called() {
        stopping.set(true);

        Exchange done = template.send(WORK_QUEUE, e -> e.getMessage().setBody(prompt("r1", "late")));

        assertThat(done.getException()).isNull();
        assertThat(done.isRouteStop()).as("left for the next start").isTrue();
        assertThat(called()).isEmpty();
        assertThat(slots.inUse()).isZero();
    }

    @Test
    void a_prompt_of_a_stopped_run_is_not_called_and_the_others_are() {
        stoppedRuns.add("stopped");

        template.sendBody(WORK_QUEUE, prompt("stopped", "late"));
        template.sendBody(WORK_QUEUE, prompt("r1", "other-run"));

        assertThat(called()).containsExactly("other-run");
    }

    @Test
    void a_call_the_spend_cap_refuses_is_not_made_and_ends_as_a_budget_exceeded_result() throws Exception {
        // a millionth of a dollar: less than 100 output tokens of gpt-4o-mini at worst
        spends.put("capped", new SpendRules(Prices.defaults(), new BigDecimal("0.000001"), "llm.budget.max-cost-usd",
                "llm.prices").newRun());
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"max_tokens\":100}";
        MockEndpoint result = getMockEndpoint("mock:result");
        result.expectedMessageCount(1);

        template.sendBody(WORK_QUEUE, new PromptRequest("capped", 1, "over", "gpt-4o-mini", body, null, 1, null));
        template.sendBody(WORK_QUEUE, prompt("r1", "no-cap"));

        result.assertIsSatisfied();
        PromptResult refused = result.getExchanges().get(0).getMessage().getBody(PromptResult.class);
        assertThat(refused.status()).isEqualTo(PromptResult.ERROR);
        assertThat(refused.error().type()).isEqualTo("budget_exceeded");
        assertThat(refused.error().message()).contains("llm.budget.max-cost-usd=0.000001");
        assertThat(refused.attempts()).as("never called").isZero();
        assertThat(called()).containsExactly("no-cap");
        assertThat(slots.inUse()).isZero();
    }

    @Test
    void shutdown_ends_the_wait_for_a_call_slot_and_the_prompt_is_left_for_the_next_start() throws Exception {
        Exchange holder = new DefaultExchange(context); // never done: keeps the only slot
        assertThat(slots.evaluate(holder, Boolean.class)).isTrue();

        CompletableFuture<Exchange> waiting = CompletableFuture.supplyAsync(
                () -> template.send(WORK_QUEUE, e -> e.getMessage().setBody(prompt("r1", "waits"))));
        await().during(200, TimeUnit.MILLISECONDS).atMost(2, TimeUnit.SECONDS).until(() -> !waiting.isDone());
        stopping.set(true);

        Exchange done = waiting.get(5, TimeUnit.SECONDS);
        assertThat(done.getException()).isNull();
        assertThat(done.getProperty(LlmConstants.SLOT_TAKEN)).isEqualTo(false);
        assertThat(called()).isEmpty();
    }

    @Test
    void each_attempt_is_withheld_once_shutdown_has_begun_before_it_reaches_the_gate() {
        CallState call = new CallState(prompt("r1", "retry"), "direct:llm-result");
        Exchange first = template.send("direct:llm-chat-call", e -> e.setProperty(CallState.PROPERTY, call));
        assertThat(first.getMessage().getBody()).isEqualTo("answered");
        assertThat(gatePassed).hasValue(1);

        stopping.set(true);
        Exchange again = template.send("direct:llm-chat-call", e -> e.setProperty(CallState.PROPERTY, call));

        assertThat(again.isRouteStop()).isTrue();
        assertThat(again.getMessage().getBody()).isNull();
        assertThat(gatePassed).as("not asked again").hasValue(1);
    }

    @Test
    void a_result_goes_to_this_instances_results_route_or_to_the_queue_its_call_names() throws Exception {
        getMockEndpoint("mock:result").expectedBodiesReceived("here");
        getMockEndpoint("mock:elsewhere").expectedBodiesReceived("there");

        template.send("direct:llm-reply", e -> {
            e.setProperty(CallState.PROPERTY, new CallState(prompt("r1", "a"), "direct:llm-result"));
            e.getMessage().setBody("here");
        });
        template.send("direct:llm-reply", e -> {
            e.setProperty(CallState.PROPERTY, new CallState(prompt("r2", "b"), "mock:elsewhere"));
            e.getMessage().setBody("there");
        });

        MockEndpoint.assertIsSatisfied(context);
    }
}
