package io.github.camelllm;

import io.github.camelllm.run.RunSummary;
import io.github.camelllm.sim.OpenAiSimulator;
import io.github.camelllm.sim.SimulatorConfig;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two pipeline instances share one work queue on a real (embedded) ActiveMQ Artemis broker: the calls of a
 * run owned by instance A are made by both, and every result comes back to A's journal.
 */
class ScaleOutTest {

    @TempDir
    Path tmp;

    @Test
    void two_instances_share_the_calls_of_one_run_through_artemis() throws Exception {
        try (Broker broker = new Broker(tmp.resolve("broker"));
             OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withPort(0).withLatencyMs(40));
             PipelineFixture a = instance(tmp.resolve("a"), sim, broker, "a");
             PipelineFixture b = instance(tmp.resolve("b"), sim, broker, "b")) {
            a.start();
            b.start();
            NotifyBuilder bCalled = new NotifyBuilder(b.app().context()).fromRoute("llm-realtime").whenDone(10).create();

            RunSummary summary = a.run(a.write("shared.jsonl", PipelineFixture.prompts(300)));

            assertThat(summary.succeeded()).isEqualTo(300);
            assertThat(a.results("shared")).hasSize(300);
            assertThat(bCalled.matches(10, TimeUnit.SECONDS)).as("instance b made calls for a's run").isTrue();
            assertThat(b.app().runs().activeRuns()).isZero();
            assertThat(sim.peakInFlight()).isLessThanOrEqualTo(2 * 6); // each instance keeps its own cap
        }
    }

    /**
     * A graceful stop of a run's owner while its own calls are in flight on the broker path drains those calls:
     * each answer reaches the journal with its custom_id, so the next start finds it answered and calls no line
     * twice. Only a result the broker still held for the owner when it stopped may be called again.
     */
    @Test
    void a_graceful_stop_of_the_owner_with_calls_in_flight_pays_for_no_line_twice() throws Exception {
        int lines = 60;
        try (Broker broker = new Broker(tmp.resolve("broker"));
             OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withPort(0).withLatencyMs(600)
                     .withJitterMs(0));
             PipelineFixture a = instance(tmp.resolve("a"), sim, broker, "a")) {
            a.start();
            Path file = a.write("stopped.jsonl", PipelineFixture.prompts(lines));
            var first = a.app().submitFile(file);
            await().atMost(30, TimeUnit.SECONDS).until(() -> sim.inFlight() == 6 && a.journalLines() >= 6);

            a.stop();
            long heldResults = broker.messages("llm-results-a");
            long journaled = a.journalLines();
            assertThat(journaled).as("stopped mid-run").isLessThan(lines);

            a.start();
            RunSummary summary = a.run(file);

            assertThat(summary.succeeded()).isEqualTo(lines);
            assertThat(a.results("stopped")).hasSize(lines);
            long repeated = sim.chatRequests() - lines;
            System.out.printf("stopped at %d of %d results, %d results held by the broker; %d calls in all%n",
                    journaled, lines, heldResults, sim.chatRequests());
            assertThat(repeated).as("calls made twice").isLessThanOrEqualTo(heldResults);
        }
    }

    /**
     * The run's owner stops mid-run while another instance goes on answering its run: the answers wait on the
     * owner's results queue, the items on the work queue. Restarted, the owner journals those answers and takes
     * back its items still queued before it sends its lines without a result again, so only the lines the other
     * instance held at that moment (its calls in flight, and the item waiting there for a call slot) can be called
     * twice.
     */
    @Test
    void a_restarted_owner_journals_what_came_back_meanwhile_and_repeats_only_calls_in_flight_elsewhere()
            throws Exception {
        int lines = 240;
        try (Broker broker = new Broker(tmp.resolve("broker"));
             OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withPort(0).withLatencyMs(100));
             PipelineFixture a = instance(tmp.resolve("a"), sim, broker, "a");
             PipelineFixture b = instance(tmp.resolve("b"), sim, broker, "b")) {
            a.start();
            b.start();
            Path file = a.write("owner.jsonl", PipelineFixture.prompts(lines));
            a.app().submitFile(file);
            await().atMost(60, TimeUnit.SECONDS).until(() -> a.journalLines() >= 40);
            a.stop();
            await().atMost(60, TimeUnit.SECONDS).until(() -> broker.messages("llm-results-a") >= 20);
            long journaled = a.journalLines();

            a.start();
            RunSummary summary = a.run(file);

            assertThat(summary.succeeded()).isEqualTo(lines);
            Set<Integer> seen = new HashSet<>();
            a.results("owner").forEach(r -> seen.add(r.get("line").asInt()));
            assertThat(seen).as("one result per line").hasSize(lines);
            long repeated = sim.chatRequests() - lines;
            System.out.printf("owner stopped at %d of %d results; %d calls in all%n", journaled, lines,
                    sim.chatRequests());
            // b's calls in flight (its llm.concurrency) and the one item its consumer holds while it waits for a
            // call slot: those are with b, not on the queue, when a takes its items back
            assertThat(repeated).as("calls made twice: at most what b held").isLessThanOrEqualTo(6 + 1);
        }
    }

    /** The work queue as a transacted consumer (a thread per call in flight) still shares the calls. */
    @Test
    void a_transacted_work_queue_shares_the_calls_too() throws Exception {
        String transacted = "llm-jms:queue:llm-work?concurrentConsumers={{llm.concurrency}}&jmsMessageType=Text"
                + "&transacted=true";
        try (Broker broker = new Broker(tmp.resolve("broker"));
             OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withPort(0).withLatencyMs(40));
             PipelineFixture a = instance(tmp.resolve("a"), sim, broker, "a").with("llm.realtime.queue-uri", transacted);
             PipelineFixture b = instance(tmp.resolve("b"), sim, broker, "b").with("llm.realtime.queue-uri", transacted)) {
            a.start();
            b.start();
            NotifyBuilder bCalled = new NotifyBuilder(b.app().context()).fromRoute("llm-realtime").whenDone(10).create();

            RunSummary summary = a.run(a.write("shared.jsonl", PipelineFixture.prompts(200)));

            assertThat(summary.succeeded()).isEqualTo(200);
            assertThat(a.results("shared")).hasSize(200);
            assertThat(bCalled.matches(10, TimeUnit.SECONDS)).as("instance b made calls for a's run").isTrue();
            assertThat(sim.peakInFlight()).isLessThanOrEqualTo(2 * 6);
        }
    }

    /**
     * Two instances on one organisation's rate limit: each learns from the x-ratelimit headers of its own answers,
     * which report what the whole organisation has left, so together they stay near the limit without talking.
     */
    @Test
    void two_instances_share_one_rate_limit_without_a_coordinator() throws Exception {
        try (Broker broker = new Broker(tmp.resolve("broker"));
             OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withPort(0).withLatencyMs(50)
                     .withRpmLimit(1200).withRateLimitBurstMs(5000));
             PipelineFixture a = instance(tmp.resolve("a"), sim, broker, "a").with("llm.concurrency", "20");
             PipelineFixture b = instance(tmp.resolve("b"), sim, broker, "b").with("llm.concurrency", "20")) {
            a.start();
            b.start();
            var runA = a.app().submitFile(a.write("a.jsonl", PipelineFixture.prompts(300)));
            var runB = b.app().submitFile(b.write("b.jsonl", PipelineFixture.prompts(300)));
            RunSummary summaryA = runA.get(120, TimeUnit.SECONDS);
            RunSummary summaryB = runB.get(120, TimeUnit.SECONDS);

            assertThat(summaryA.succeeded()).isEqualTo(300);
            assertThat(summaryB.succeeded()).isEqualTo(300);
            double share = sim.rateLimitRejections() * 100.0 / sim.chatRequests();
            System.out.printf("two instances, 1,200 RPM: %d requests, %d answered 429 (%.1f %%)%n",
                    sim.chatRequests(), sim.rateLimitRejections(), share);
            assertThat(share).as("share of 429s").isLessThan(20);
        }
    }

    /**
     * The work queue as docs/scale-out.md configures it: one consumer that holds no thread during a call, each
     * item acknowledged on its own once its result is with its owner.
     */
    static final String WORK_QUEUE_OPTIONS = "jmsMessageType=Text&asyncConsumer=true&acknowledgementMode=101";

    static PipelineFixture instance(Path root, OpenAiSimulator sim, Broker broker, String name) {
        if (sim.port() <= 0) {
            sim.start();
        }
        return new PipelineFixture(root, sim.baseUrl())
                .with("llm.concurrency", "6")
                .with("llm.broker.url", broker.url)
                .with("llm.realtime.queue-uri", "llm-jms:queue:llm-work?" + WORK_QUEUE_OPTIONS)
                .with("llm.results.uri", "llm-jms:queue:llm-results-" + name + "?jmsMessageType=Text");
    }

    /** An embedded ActiveMQ Artemis broker on a free local port, without persistence or security. */
    static final class Broker implements AutoCloseable {
        final String url;
        private final EmbeddedActiveMQ server = new EmbeddedActiveMQ();

        Broker(Path journal) throws Exception {
            int port;
            try (ServerSocket free = new ServerSocket(0)) {
                port = free.getLocalPort();
            }
            url = "tcp://127.0.0.1:" + port;
            server.setConfiguration(new ConfigurationImpl().setPersistenceEnabled(false).setSecurityEnabled(false)
                    .setJournalDirectory(journal.toString()).addAcceptorConfiguration("tcp", url));
            server.start();
        }

        /** Messages on a queue, those being delivered included; 0 for a queue that does not exist. */
        long messages(String queue) {
            var q = server.getActiveMQServer().locateQueue(queue);
            return q == null ? 0 : q.getMessageCount();
        }

        @Override
        public void close() throws Exception {
            server.stop();
        }
    }
}
