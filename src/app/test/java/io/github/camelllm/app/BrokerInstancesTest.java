package io.github.camelllm.app;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static io.github.camelllm.OpenAiStubs.echo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three instances, each a JVM of its own, share one work queue on an ActiveMQ Artemis broker that runs as a
 * process of its own (the distribution): the run's owner ({@code run FILE}) and two serving instances (service
 * mode, each with its own results queue). One of them is killed with -9 in the middle of the run; the calls are
 * counted at the server.
 */
class BrokerInstancesTest {

    /** Calls in flight per instance. */
    static final int C = 8;
    static final String WORK_QUEUE = "jms:queue:llm-work?jmsMessageType=Text&asyncConsumer=true"
            + "&acknowledgementMode=101";

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @TempDir
    Path tmp;

    private ArtemisDistribution broker;
    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void stopAll() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void a_serving_instance_killed_mid_run_gives_its_work_back_and_repeats_at_most_its_calls_in_flight()
            throws Exception {
        int lines = 900;
        api.answerChats(echo().withFixedDelay(150));
        broker = ArtemisDistribution.create(tmp.resolve("broker"), "llm", "secret").start();
        Process serving1 = serve("b");
        Process serving2 = serve("c");
        awaitWatching("b");
        awaitWatching("c");
        Path file = Files.writeString(tmp.resolve("shared.jsonl"), PipelineFixture.prompts(lines));

        Process owner = run("a", file);
        // mid-run: a third of the lines answered, every instance busy
        await().atMost(60, TimeUnit.SECONDS).until(() -> journalLines("a") >= lines / 3 || !owner.isAlive());
        serving1.destroyForcibly(); // SIGKILL: its unacknowledged work items go back to the broker
        serving1.waitFor(20, TimeUnit.SECONDS);
        long journaledAtKill = journalLines("a");

        assertThat(owner.waitFor(80, TimeUnit.SECONDS)).as("the owner finishes the run").isTrue();
        assertThat(owner.exitValue()).isEqualTo(0);
        assertThat(serving2.isAlive()).isTrue();
        assertEveryLineAnsweredOnce("a", lines);
        long repeated = repeatedCalls(lines);
        System.out.printf("killed at %d of %d results; %d calls in all, %d repeated%n", journaledAtKill, lines,
                api.chatCalls(), repeated);
        assertThat(journaledAtKill).as("killed mid-run").isLessThan(lines);
        // only the killed instance's calls in flight can be made again
        assertThat(repeated).isLessThanOrEqualTo(C);
    }

    @Test
    void the_run_owner_killed_mid_run_resumes_on_restart_and_finishes() throws Exception {
        int lines = 600;
        api.answerChats(echo().withFixedDelay(150));
        broker = ArtemisDistribution.create(tmp.resolve("broker"), "llm", "secret").start();
        Process serving = serve("b");
        awaitWatching("b");
        Path file = Files.writeString(tmp.resolve("shared.jsonl"), PipelineFixture.prompts(lines));

        Process first = run("a", file);
        await().atMost(60, TimeUnit.SECONDS).until(() -> journalLines("a") >= lines / 4 || !first.isAlive());
        first.destroyForcibly();
        first.waitFor(20, TimeUnit.SECONDS);
        long journaledAtKill = journalLines("a");

        Process second = run("a", file);
        assertThat(second.waitFor(80, TimeUnit.SECONDS)).as("the restarted owner finishes the run").isTrue();
        assertThat(second.exitValue()).isEqualTo(0);
        assertThat(serving.isAlive()).isTrue();
        assertEveryLineAnsweredOnce("a", lines);
        System.out.printf("owner killed at %d of %d results; %d calls in all%n", journaledAtKill, lines,
                api.chatCalls());
        assertThat(journaledAtKill).as("killed mid-run").isLessThan(lines);
        // made twice: the calls the owner had in flight when it died (the broker gives their items to b), and
        // what b held when the restarted owner settled the run (its results on the broker journaled, its items
        // still queued taken back) and sent its lines without a result again: b's calls in flight and the item
        // its consumer holds while it waits for a call slot
        assertThat(repeatedCalls(lines)).as("calls made twice").isLessThanOrEqualTo(2L * C + 1);
    }

    /** An instance in service mode (an empty inbox of its own) that serves the work queue. */
    private Process serve(String name) throws IOException {
        Files.createDirectories(tmp.resolve(name).resolve("inbox"));
        return start(name, List.of("-Dllm.inbox=" + tmp.resolve(name).resolve("inbox")));
    }

    /** The run's owner: {@code run FILE}. */
    private Process run(String name, Path file) throws IOException {
        return start(name, List.of(), "run", file.toString());
    }

    private Process start(String name, List<String> extra, String... args) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Xshare:auto");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("-Dllm.base-url=" + api.baseUrl());
        cmd.add("-Dllm.api-key=test-key");
        cmd.add("-Dllm.concurrency=" + C);
        cmd.add("-Dllm.management.port=0"); // several instances on one machine: each its own free port
        cmd.add("-Dllm.broker.url=" + broker.url());
        cmd.add("-Dllm.broker.user=" + broker.user());
        cmd.add("-Dllm.broker.password=" + broker.password());
        cmd.add("-Dllm.realtime.queue-uri=" + WORK_QUEUE);
        cmd.add("-Dllm.results.uri=jms:queue:llm-results-" + name + "?jmsMessageType=Text");
        cmd.add("-Dllm.outbox=" + dir.resolve("outbox"));
        cmd.add("-Dllm.work-dir=" + dir.resolve("work"));
        cmd.addAll(extra);
        cmd.add(PipelineFixture.APP_MAIN);
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve(name + ".log").toFile())).start();
        processes.add(p);
        return p;
    }

    private void awaitWatching(String name) throws IOException {
        Path log = tmp.resolve(name + ".log");
        try {
            await().atMost(60, TimeUnit.SECONDS).until(() -> Files.exists(log) && Files.readString(log).contains("watching"));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("instance " + name + " did not start: " + (Files.exists(log) ? Files.readString(log)
                    : "no log"), e);
        }
    }

    private long journalLines(String name) throws IOException {
        Path work = tmp.resolve(name).resolve("work");
        if (!Files.isDirectory(work)) {
            return 0;
        }
        try (Stream<Path> runs = Files.list(work)) {
            Path journal = runs.map(r -> r.resolve("journal.jsonl")).filter(Files::exists).findFirst().orElse(null);
            if (journal == null) {
                return 0;
            }
            try (Stream<String> records = Files.lines(journal)) {
                return records.count();
            }
        }
    }

    private void assertEveryLineAnsweredOnce(String name, int lines) throws IOException {
        List<String> results = Files.readAllLines(tmp.resolve(name).resolve("outbox").resolve("shared.results.jsonl"));
        assertThat(results).hasSize(lines);
        Set<Integer> seen = new HashSet<>();
        for (String result : results) {
            JsonNode r = PipelineFixture.JSON.readTree(result);
            assertThat(r.get("status").asText()).isEqualTo("ok");
            int line = r.get("line").asInt();
            assertThat(r.get("content").asText()).isEqualTo("re: prompt number " + line);
            seen.add(line);
        }
        assertThat(seen).hasSize(lines);
    }

    /** Calls beyond one per prompt, counted at the server. */
    private long repeatedCalls(int lines) {
        Map<String, Long> calls = api.callsPerPrompt();
        assertThat(calls).hasSize(lines);
        return calls.values().stream().mapToLong(n -> n - 1).sum();
    }
}
