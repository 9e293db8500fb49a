package io.github.camelllm.batch;

import io.github.camelllm.model.Endpoint;
import io.github.camelllm.json.Jackson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A batch job's file format (work folders written earlier resume) and its steps, each one persisted. */
class ShardJobTest {

    @TempDir
    Path dir;

    private Path resource(String name) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/shard-jobs/" + name)) {
            assertThat(in).as(name).isNotNull();
            return Files.write(dir.resolve(name), in.readAllBytes());
        }
    }

    private ShardJobFile onDisk(ShardJob job) throws IOException {
        return Jackson.MAPPER.readValue(job.jobPath().toFile(), ShardJobFile.class);
    }

    private Shard shard(long... lines) throws IOException {
        Shard shard = new Shard("run-1", Endpoint.CHAT_COMPLETIONS, "gpt-4o-mini", "shard-1", dir);
        for (long line : lines) {
            shard.append(line, "id-" + line, "{\"custom_id\":\"id-" + line + "\"}", 100, 0);
        }
        shard.close();
        return shard;
    }

    @Test
    void job_files_written_by_the_earlier_format_read_and_are_written_back_unchanged() throws IOException {
        for (String name : new String[]{"sealed.json", "waiting.json"}) {
            Path file = resource(name);
            ShardJobFile saved = ShardJobFile.read(file);
            assertThat(saved.toJson()).as(name).isEqualTo(Files.readString(file, StandardCharsets.UTF_8));
        }
        ShardJobFile waiting = ShardJobFile.read(dir.resolve("waiting.json"));
        assertThat(waiting.stage()).isEqualTo(ShardJob.WAITING);
        assertThat(waiting.fileId()).isEqualTo("file-abc");
        assertThat(waiting.batchId()).isNull();
        assertThat(waiting.lines()).containsExactly(1, 2, 5);
        assertThat(waiting.customIds()).containsExactly("a", "b", "5");
        assertThat(waiting.tokens()).isEqualTo(3000);
        assertThat(waiting.resubmits()).isEqualTo(1);
        assertThat(waiting.resubmitAtMs()).isEqualTo(1700000100000L);
        assertThat(waiting.limitedBatchIds()).containsExactly("batch_1");
    }

    @Test
    void a_job_file_from_before_token_estimates_counts_its_bytes_over_four() throws IOException {
        ShardJobFile old = ShardJobFile.read(resource("before-token-estimates.json"));

        assertThat(old.stage()).isEqualTo(ShardJob.SUBMITTED);
        assertThat(old.batchId()).isEqualTo("batch_old");
        assertThat(old.tokens()).isEqualTo(1000);
        assertThat(old.resubmits()).isZero();
        assertThat(old.limitedBatchIds()).isEmpty();
    }

    @Test
    void sealing_persists_the_job_before_anything_is_sent_and_the_sealer_holds_it() throws IOException {
        ShardJob job = ShardJob.seal(shard(3, 4, 9));

        ShardJobFile saved = onDisk(job);
        assertThat(saved.stage()).isEqualTo(ShardJob.SEALED);
        assertThat(saved.lines()).containsExactly(3, 4, 9);
        assertThat(saved.customIds()).containsExactly("id-3", "id-4", "id-9");
        assertThat(saved.tokens()).isEqualTo(300);
        assertThat(saved.shardFile()).isEqualTo("shard-1.jsonl");
        assertThat(job.shardPath()).exists();
        assertThat(job.claim()).as("claimed by the sealer").isFalse();
        job.release();
        assertThat(job.claim()).isTrue();
    }

    @Test
    void each_step_is_on_disk_when_it_returns() throws IOException {
        ShardJob job = ShardJob.seal(shard(1, 2));

        job.uploaded("file-1");
        assertThat(onDisk(job).stage()).isEqualTo(ShardJob.UPLOADED);
        assertThat(onDisk(job).fileId()).isEqualTo("file-1");

        job.submitted("batch_1", 1234, "validating");
        ShardJobFile submitted = onDisk(job);
        assertThat(submitted.stage()).isEqualTo(ShardJob.SUBMITTED);
        assertThat(submitted.batchId()).isEqualTo("batch_1");
        assertThat(submitted.createdAtMs()).isEqualTo(1234);
        assertThat(submitted.lastStatus()).isEqualTo("validating");

        job.ended("failed", "token_limit_exceeded");
        String failed = job.waitUntil(99_000);
        ShardJobFile waiting = onDisk(job);
        assertThat(failed).isEqualTo("batch_1");
        assertThat(waiting.stage()).isEqualTo(ShardJob.WAITING);
        assertThat(waiting.batchId()).isNull();
        assertThat(waiting.lastStatus()).isNull();
        assertThat(waiting.fileId()).as("the same file is submitted again").isEqualTo("file-1");
        assertThat(waiting.limitedBatchIds()).containsExactly("batch_1");
        assertThat(waiting.resubmits()).isEqualTo(1);
        assertThat(waiting.resubmitAtMs()).isEqualTo(99_000);
        assertThat(job.getTerminalStatus()).as("the job goes on").isNull();
        assertThat(job.failureMessage()).isNull();

        job.submitted("batch_2", 5678, "validating");
        assertThat(onDisk(job).resubmitAtMs()).isZero();
        assertThat(onDisk(job).limitedBatchIds()).containsExactly("batch_1");

        job.settle();
        assertThat(onDisk(job).stage()).isEqualTo(ShardJob.SETTLED);
        job.release();
        assertThat(job.claim()).as("a settled job is not polled again").isFalse();
    }

    @Test
    void a_status_is_written_only_when_it_changed() throws IOException {
        ShardJob job = ShardJob.seal(shard(1));
        job.uploaded("file-1");
        job.submitted("batch_1", 1, "in_progress");
        Files.delete(job.jobPath());

        job.polled("in_progress");
        assertThat(job.jobPath()).doesNotExist();

        job.polled("finalizing");
        assertThat(onDisk(job).lastStatus()).isEqualTo("finalizing");
    }

    @Test
    void a_step_out_of_order_is_refused_and_nothing_is_written() throws IOException {
        ShardJob job = ShardJob.seal(shard(1));
        assertThatThrownBy(() -> job.submitted("batch_1", 1, "validating"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is sealed, not uploaded or waiting");
        job.uploaded("file-1");
        assertThatThrownBy(() -> job.uploaded("file-2")).isInstanceOf(IllegalStateException.class);

        assertThat(onDisk(job).fileId()).isEqualTo("file-1");
        assertThat(onDisk(job).batchId()).isNull();
    }

    @Test
    void a_resumed_job_is_settled_when_its_lines_are_done_and_enqueued_when_something_was_sent() {
        ShardJobFile uploaded = new TestJob().stage(ShardJob.UPLOADED).fileId("file-1").tokens(10).file();
        ShardJobFile sealed = new TestJob().tokens(10).file();

        ShardJob done = ShardJob.resumed(uploaded, dir, false);
        assertThat(done.isSettled()).isTrue();
        assertThat(done.isEnqueued()).isFalse();
        assertThat(done.claim()).isFalse();

        ShardJob open = ShardJob.resumed(uploaded, dir, true);
        assertThat(open.isSettled()).isFalse();
        assertThat(open.isEnqueued()).as("its file id counts as admitted").isTrue();
        assertThat(open.claim()).isTrue();
        assertThat(open.claim()).as("one route at a time").isFalse();

        assertThat(ShardJob.resumed(sealed, dir, true).isEnqueued()).as("nothing was sent").isFalse();
    }

    @Test
    void output_lines_count_once_and_are_found_by_custom_id() {
        ShardJob job = new TestJob().lines(new long[]{4, 7}, "x", "y").in(dir);

        assertThat(job.indexOf("y")).isEqualTo(1);
        assertThat(job.indexOf("z")).isEqualTo(-1);
        assertThat(job.answer(1)).isTrue();
        assertThat(job.answer(1)).isFalse();
        assertThat(job.isAnswered(1)).isTrue();
        assertThat(job.isAnswered(0)).isFalse();
        assertThat(job.okCount()).isEqualTo(1);
    }
}
