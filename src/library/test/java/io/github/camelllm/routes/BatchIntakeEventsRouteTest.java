package io.github.camelllm.routes;

import io.github.camelllm.batch.ShardFlush;
import io.github.camelllm.model.LlmConstants;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.component.mock.MockEndpoint;
import org.apache.camel.spi.Registry;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 40-batch.camel.yaml, its side of intake's announcements: a run that opens has its batch jobs loaded; a run whose
 * intake ended has its open shards submitted at once, not after llm.batch.flush-ms.
 */
class BatchIntakeEventsRouteTest extends RouteFileTestSupport {

    BatchIntakeEventsRouteTest() {
        super("40-batch.camel.yaml", Map.of(), Set.of("batch-intake-events"));
    }

    /** The two questions the route asks the job store, answered for run r1 with two shards being filled. */
    public static final class Jobs {
        final List<String> opened = new CopyOnWriteArrayList<>();

        public void openRun(Exchange exchange) {
            opened.add(exchange.getProperty(LlmConstants.RUN_ID, String.class));
        }

        public List<ShardFlush> openShardsOf(Exchange exchange) {
            String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
            return List.of(new ShardFlush(runId, "gpt-4o-mini"), new ShardFlush(runId, "gpt-4o"));
        }
    }

    final Jobs jobs = new Jobs();

    @Override
    RouteBuilder standIns() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                from("direct:llm-batch-shard").to("mock:shard");
            }
        };
    }

    @Override
    protected void bindToRegistry(Registry registry) {
        registry.bind("llm-batchJobs", jobs);
    }

    Exchange announce(String event) {
        return template.send("direct:llm-intake-events", e -> {
            e.setProperty(LlmConstants.RUN_ID, "r1");
            e.getMessage().setHeader(LlmConstants.INTAKE_EVENT_HEADER, event);
            e.getMessage().setBody("the run's lines");
        });
    }

    @Test
    void a_run_that_opens_has_its_jobs_loaded_and_its_lines_are_left_as_they_are() {
        Exchange done = announce(LlmConstants.RUN_OPENED);

        assertThat(jobs.opened).containsExactly("r1");
        assertThat(done.getMessage().getBody()).isEqualTo("the run's lines");
        assertThat(getMockEndpoint("mock:shard").getReceivedCounter()).isZero();
    }

    @Test
    void a_run_whose_intake_ended_has_its_open_shards_submitted_now() throws Exception {
        MockEndpoint shards = getMockEndpoint("mock:shard");
        shards.expectedBodiesReceived(new ShardFlush("r1", "gpt-4o-mini"), new ShardFlush("r1", "gpt-4o"));

        announce(LlmConstants.INTAKE_ENDED);

        shards.assertIsSatisfied();
        assertThat(jobs.opened).isEmpty();
    }
}
