package io.github.camelllm.openai;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import io.github.camelllm.wiring.PipelineBeans;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ForkJoinPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A host on one or two cores: there the common pool has a parallelism of 1, and CompletableFuture's default
 * executor, on which the JDK client completes every answer, starts a new thread for each. The default client
 * ({@code llm.http.client=auto}: Vert.x, which the library's tests have on their class path) must not cost a thread
 * per answer; the JDK client, chosen explicitly, must say at start that it does and what avoids it.
 * <p>
 * Run in a JVM of its own with {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism=1} (the library's
 * pom: surefire execution "one-core-host"), so it reproduces such a machine on any machine.
 */
class CompletionThreadsTest {

    private static final int CONCURRENCY = 16;
    private static final int PROMPTS = 200;

    @RegisterExtension
    final OpenAiStubs api = new OpenAiStubs();
    @RegisterExtension
    final PipelineFixture pipeline = new PipelineFixture(api).with("llm.concurrency", Integer.toString(CONCURRENCY));

    private final Logger beans = (Logger) LoggerFactory.getLogger(PipelineBeans.class);
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeEach
    void oneCoreHost() {
        assumeTrue(ForkJoinPool.getCommonPoolParallelism() <= 1,
                "runs in the surefire execution that sets the common pool's parallelism to 1");
        log.start();
        beans.addAppender(log);
    }

    @AfterEach
    void detach() {
        beans.detachAppender(log);
    }

    @Test
    void the_default_client_starts_no_thread_per_answer() throws Exception {
        api.answerChats(OpenAiStubs.echo().withUniformRandomDelay(1, 5));
        pipeline.start();
        assertThat(pipeline.app().context().getRegistry().lookupByName("llm-chatClient"))
                .isInstanceOf(VertxChatClient.class);
        // the pools of the pipeline and of the stub server fill up once
        assertThat(pipeline.run(pipeline.write("warm-up.jsonl", PipelineFixture.prompts(2 * CONCURRENCY)))
                .succeeded()).isEqualTo(2 * CONCURRENCY);

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long before = threads.getTotalStartedThreadCount();
        RunSummary summary = pipeline.run(pipeline.write("many.jsonl", PipelineFixture.prompts(PROMPTS)));
        long started = threads.getTotalStartedThreadCount() - before;
        System.out.printf("threads started while %d prompts were answered: %d%n", PROMPTS, started);

        assertThat(summary.succeeded()).isEqualTo(PROMPTS);
        assertThat(started).as("threads started while %d prompts were answered", PROMPTS).isLessThanOrEqualTo(20);
        assertThat(log.list).noneMatch(e -> e.getLevel() == Level.WARN);
    }

    @Test
    void the_jdk_client_says_at_start_that_it_starts_a_thread_per_answer_and_what_avoids_it() throws Exception {
        pipeline.with("llm.http.client", "jdk").start();

        assertThat(pipeline.app().context().getRegistry().lookupByName("llm-chatClient"))
                .isInstanceOf(ChatClient.class);
        assertThat(log.list).filteredOn(e -> e.getLevel() == Level.WARN).singleElement()
                .extracting(ILoggingEvent::getFormattedMessage).asString()
                .startsWith("pipeline llm: the JDK HTTP client (llm.http.client=jdk) starts a short-lived thread for "
                        + "every answer on this JVM")
                .contains("add io.vertx:vertx-core 5 to the class path",
                        "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2");
    }
}
