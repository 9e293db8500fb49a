package io.github.camelllm.openai;

import io.github.camelllm.OpenAiStubs;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.run.RunSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.ForkJoinPool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A host on one or two cores: there the common pool has a parallelism of 1, and CompletableFuture's default
 * executor starts a new thread for every task it is given. The JDK client's answers must not cost a thread each.
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
    final PipelineFixture pipeline = new PipelineFixture(api).with("llm.http.client", "jdk")
            .with("llm.concurrency", Integer.toString(CONCURRENCY));

    @Test
    void answers_start_no_thread_each_in_a_host_on_a_small_machine() throws Exception {
        assumeTrue(ForkJoinPool.getCommonPoolParallelism() <= 1,
                "runs in the surefire execution that sets the common pool's parallelism to 1");
        api.answerChats(OpenAiStubs.echo().withUniformRandomDelay(1, 5));
        pipeline.start();
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
    }
}
