package io.github.camelllm.intake;

import java.util.Map;
import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.config.InboxConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class InboxFilterTest {

    @TempDir
    Path dir;
    final AtomicLong now = new AtomicLong(1_000_000);

    InboxFilter filter(boolean requireMarker) {
        return new InboxFilter(inbox(requireMarker, false), now::get);
    }

    @Test
    void temporary_names_are_never_inputs() {
        for (String name : new String[]{".x.jsonl", "~x.jsonl", "x.jsonl~", "x.jsonl.tmp", "x.jsonl.part",
                "x.partial", "x.jsonl.crdownload", "x.jsonl.ready", "x.jsonl.done", "X.JSONL.PART"}) {
            assertThat(InboxFilter.isTemporaryName(name)).as(name).isTrue();
        }
        assertThat(InboxFilter.isTemporaryName("x.jsonl")).isFalse();
        assertThat(InboxFilter.isTemporaryName("x.txt")).isFalse();
        assertThat(InboxFilter.isTemporaryName("report.2024.jsonl")).isFalse();
    }

    @Test
    void a_file_is_taken_once_unchanged_for_the_stable_time_and_longer_when_it_ends_mid_line() throws Exception {
        InboxFilter filter = filter(false);
        Path complete = Files.writeString(dir.resolve("a.jsonl"), "{\"prompt\":\"x\"}\n");
        Path partial = Files.writeString(dir.resolve("b.jsonl"), "{\"prompt\":\"x\"}\n{\"pro");
        assertThat(filter.accept(complete)).isFalse(); // first sight
        assertThat(filter.accept(partial)).isFalse();
        now.addAndGet(1000);
        assertThat(filter.accept(complete)).isTrue();
        assertThat(filter.accept(partial)).isFalse();
        Files.writeString(partial, "mpt\":\"y\"}\n", java.nio.file.StandardOpenOption.APPEND);
        now.addAndGet(2500);
        assertThat(filter.accept(partial)).isFalse(); // it changed: timed again from now
        now.addAndGet(1000);
        assertThat(filter.accept(partial)).isTrue();
    }

    @Test
    void a_marker_makes_a_file_complete_at_once_and_can_be_required() throws Exception {
        InboxFilter required = filter(true);
        Path file = Files.writeString(dir.resolve("m.jsonl"), "{\"prompt\":\"x\"}\n");
        now.addAndGet(60_000);
        assertThat(required.accept(file)).isFalse();
        now.addAndGet(60_000);
        assertThat(required.accept(file)).isFalse();
        Files.writeString(dir.resolve("m.jsonl.ready"), "");
        assertThat(required.accept(file)).isTrue();
        assertThat(filter(false).accept(file)).isTrue();
    }

    @Test
    void symbolic_links_are_ignored_unless_allowed() throws Exception {
        Path target = Files.writeString(dir.resolve("target.txt"), "line\n");
        Path link = Files.createSymbolicLink(dir.resolve("link.txt"), target);
        Files.writeString(dir.resolve("link.txt.ready"), "");
        assertThat(filter(false).accept(link)).isFalse();
        assertThat(new InboxFilter(inbox(false, true), now::get).accept(link)).isTrue();
        assertThat(filter(false).accept(Files.createDirectories(dir.resolve("folder.jsonl")))).isFalse();
    }

    static InboxConfig inbox(boolean requireMarker, boolean followSymlinks) {
        return PipelineConfig.of(Map.of("inbox.read-lock-ms", "1000", "inbox.require-marker",
                Boolean.toString(requireMarker), "inbox.follow-symlinks", Boolean.toString(followSymlinks))).inbox();
    }
}
