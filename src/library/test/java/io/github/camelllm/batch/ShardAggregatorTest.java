package io.github.camelllm.batch;

import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.openai.TokenEstimator;
import org.apache.camel.Exchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How prompts are grouped into Batch API input files, and when a file is full; without routes or HTTP. */
class ShardAggregatorTest {

    static final String MODEL = "gpt-4o-mini";

    @TempDir
    Path dir;
    OpenRun run;
    BatchJobs jobs;

    @BeforeEach
    void setUp() throws Exception {
        run = new OpenRun(dir, 10);
        jobs = new BatchJobs(run.runs, new EnqueuedLimits(0, 0));
    }

    @AfterEach
    void tearDown() {
        run.close();
    }

    Exchange prompt(int line) {
        return run.exchange(run.prompt(line, "c" + line, MODEL, "prompt number " + line));
    }

    static int lineBytes(Exchange prompt) {
        return ShardAggregator.requestLine(prompt.getMessage().getBody(PromptRequest.class))
                .getBytes(StandardCharsets.UTF_8).length + 1;
    }

    /** Aggregates these prompts into one group, as the aggregator of the batch route does. */
    static Exchange group(ShardAggregator aggregator, Exchange... prompts) {
        Exchange group = null;
        for (Exchange prompt : prompts) {
            group = aggregator.aggregate(group, prompt);
        }
        return group;
    }

    @Test
    void prompts_are_grouped_by_run_and_model() {
        ShardAggregator aggregator = new ShardAggregator(jobs, 10, 1_000_000, 0, 0);
        assertThat(aggregator.key(prompt(1))).isEqualTo(run.id() + "|" + MODEL);
        assertThat(aggregator.key(run.exchange(run.prompt(2, "c2", "gpt-4o", "x")))).isEqualTo(run.id() + "|gpt-4o");
        assertThat(aggregator.key(run.exchange(new ShardFlush(run.id(), MODEL)))).isEqualTo(run.id() + "|" + MODEL);
        assertThatThrownBy(() -> aggregator.key(run.exchange("a string"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the batch queue takes prompt requests");
    }

    @Test
    void an_embeddings_prompt_gets_a_shard_of_its_own_and_its_line_names_its_url() throws Exception {
        ShardAggregator aggregator = new ShardAggregator(jobs, 10, 1_000_000, 0, 0);
        PromptRequest embedding = new PromptRequest(run.id(), 3, "e3", MODEL, "{\"model\":\"" + MODEL
                + "\",\"input\":\"text\"}", null, 1, null, Endpoint.EMBEDDINGS);
        assertThat(aggregator.key(run.exchange(embedding))).isNotEqualTo(aggregator.key(prompt(1)))
                .isEqualTo(aggregator.key(run.exchange(new ShardFlush(run.id(), Endpoint.EMBEDDINGS, MODEL))));
        assertThat(ShardAggregator.requestLine(embedding)).isEqualTo("{\"custom_id\":\"e3\",\"method\":\"POST\","
                + "\"url\":\"/v1/embeddings\",\"body\":{\"model\":\"" + MODEL + "\",\"input\":\"text\"}}");

        Exchange group = group(aggregator, run.exchange(embedding));
        ShardJob job = jobs.seal(group);
        assertThat(job.saved().endpointOf()).isEqualTo(Endpoint.EMBEDDINGS);
        assertThat(ShardJobFile.read(job.jobPath()).endpointUrl()).as("persisted").isEqualTo("/v1/embeddings");
    }

    @Test
    void each_prompt_is_appended_to_its_shard_file_as_a_batch_api_request_line() throws Exception {
        ShardAggregator aggregator = new ShardAggregator(jobs, 10, 1_000_000, 0, 0);
        Exchange first = prompt(1);
        Exchange group = aggregator.aggregate(null, first);
        assertThat(group).isSameAs(first);
        Shard shard = group.getMessage().getBody(Shard.class);
        assertThat(shard.runId()).isEqualTo(run.id());
        assertThat(shard.model()).isEqualTo(MODEL);

        assertThat(aggregator.aggregate(group, prompt(2))).isSameAs(group);
        assertThat(shard.size()).isEqualTo(2);
        assertThat(shard.file.getParent()).isEqualTo(run.run.workDir().resolve("batches"));
        List<String> lines = Files.readAllLines(shard.file);
        assertThat(lines).containsExactly(
                "{\"custom_id\":\"c1\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\""
                        + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"prompt number 1\"}]}}",
                "{\"custom_id\":\"c2\",\"method\":\"POST\",\"url\":\"/v1/chat/completions\",\"body\":{\"model\":\""
                        + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"prompt number 2\"}]}}");
        assertThat(shard.bytes()).isEqualTo(Files.size(shard.file));
        assertThat(shard.lines).containsExactly(1L, 2L);
        assertThat(shard.customIds).containsExactly("c1", "c2");
        long tokens = (long) Math.ceil(TokenEstimator.rateLimitCost(run.prompt(1, "c1", MODEL, "prompt number 1")));
        assertThat(shard.tokens).isEqualTo(2 * tokens);
    }

    @Test
    void a_prompt_that_would_pass_max_requests_completes_the_shard_first() {
        ShardAggregator aggregator = new ShardAggregator(jobs, 3, 1_000_000, 0, 0);
        assertThat(aggregator.canPreComplete()).isTrue();
        assertThat(aggregator.preComplete(null, prompt(1))).as("no shard yet").isFalse();
        Exchange group = group(aggregator, prompt(1), prompt(2));
        assertThat(aggregator.preComplete(group, prompt(3))).isFalse();
        aggregator.aggregate(group, prompt(3));
        assertThat(aggregator.preComplete(group, prompt(4))).isTrue();
    }

    /** An embeddings prompt whose input is an array of {@code n} texts. */
    Exchange embeddings(int line, int n) {
        String inputs = String.join(",", java.util.Collections.nCopies(n, "\"x\""));
        return run.exchange(new PromptRequest(run.run.id(), line, "e" + line, "text-embedding-3-small",
                "{\"model\":\"text-embedding-3-small\",\"input\":[" + inputs + "]}", null, n, null,
                io.github.camelllm.model.Endpoint.EMBEDDINGS));
    }

    @Test
    void an_embeddings_shard_holds_at_most_50000_inputs() {
        ShardAggregator aggregator = new ShardAggregator(jobs, 50_000, 200_000_000, 0, 0);
        Exchange group = group(aggregator, embeddings(1, 20_000), embeddings(2, 20_000));
        assertThat(aggregator.preComplete(group, embeddings(3, 10_000))).as("exactly 50,000 fit").isFalse();
        aggregator.aggregate(group, embeddings(3, 10_000));
        assertThat(aggregator.preComplete(group, embeddings(4, 1))).as("one more input would pass").isTrue();
        Exchange chat = group(aggregator, prompt(5));
        assertThat(aggregator.preComplete(chat, prompt(6))).as("chat lines have no input limit").isFalse();
    }

    @Test
    void a_shard_never_holds_more_lines_than_max_enqueued_requests() {
        ShardAggregator aggregator = new ShardAggregator(jobs, 10, 1_000_000, 2, 0);
        Exchange group = group(aggregator, prompt(1));
        assertThat(aggregator.preComplete(group, prompt(2))).isFalse();
        aggregator.aggregate(group, prompt(2));
        assertThat(aggregator.preComplete(group, prompt(3))).as("a third line would pass 2 enqueued").isTrue();
        ShardAggregator perFile = new ShardAggregator(jobs, 2, 1_000_000, 5, 0);
        Exchange other = group(perFile, prompt(4), prompt(5));
        assertThat(perFile.preComplete(other, prompt(6))).as("the smaller of the two limits cuts").isTrue();
    }

    @Test
    void a_prompt_that_would_pass_max_bytes_completes_the_shard_first() {
        Exchange one = prompt(1);
        int size = lineBytes(one);
        ShardAggregator aggregator = new ShardAggregator(jobs, 100, 2L * size + 3, 0, 0);
        Exchange group = group(aggregator, one);
        assertThat(aggregator.preComplete(group, prompt(2))).as("two lines fit").isFalse();
        aggregator.aggregate(group, prompt(2));
        assertThat(aggregator.preComplete(group, prompt(3))).isTrue();
        assertThat(group.getMessage().getBody(Shard.class).bytes()).isLessThanOrEqualTo(2L * size + 3);
    }

    @Test
    void a_prompt_that_would_pass_the_enqueued_token_limit_completes_the_shard_first() {
        Exchange one = prompt(1);
        long tokens = ShardAggregator.tokensOf(one.getMessage().getBody(PromptRequest.class));
        ShardAggregator aggregator = new ShardAggregator(jobs, 100, 1_000_000, 0, 3 * tokens);
        Exchange group = group(aggregator, one, prompt(2));
        assertThat(aggregator.preComplete(group, prompt(3))).as("three prompts fit").isFalse();
        aggregator.aggregate(group, prompt(3));
        assertThat(aggregator.preComplete(group, prompt(4))).isTrue();
        assertThat(group.getMessage().getBody(Shard.class).tokens).isEqualTo(3 * tokens);

        ShardAggregator tiny = new ShardAggregator(jobs, 100, 1_000_000, 0, 1);
        assertThat(tiny.preComplete(group(tiny, prompt(5)), prompt(6)))
                .as("a prompt larger than the limit makes a shard of its own").isTrue();
    }

    @Test
    void a_flush_completes_the_shard_and_adds_nothing() {
        ShardAggregator aggregator = new ShardAggregator(jobs, 10, 1_000_000, 0, 0);
        Exchange group = group(aggregator, prompt(1));
        Exchange flush = run.exchange(new ShardFlush(run.id(), MODEL));

        assertThat(aggregator.preComplete(group, flush)).isTrue();
        assertThat(aggregator.aggregate(group, flush)).isSameAs(group);
        assertThat(group.getMessage().getBody(Shard.class).size()).isEqualTo(1);
        assertThat(aggregator.aggregate(null, flush)).as("a flush alone stays an empty group").isSameAs(flush);
        assertThat(aggregator.preComplete(null, flush)).isFalse();
    }
}
