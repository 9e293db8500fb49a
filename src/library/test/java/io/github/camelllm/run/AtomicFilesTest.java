package io.github.camelllm.run;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Write-then-move: a reader (or a crash) sees the old file or the new one, never half of one. */
class AtomicFilesTest {

    @TempDir
    Path dir;

    @Test
    void the_new_content_replaces_the_old_and_no_temporary_file_stays() throws IOException {
        Path target = Files.writeString(dir.resolve("summary.json"), "old");

        AtomicFiles.write(target, "new");

        assertThat(target).hasContent("new");
        assertThat(dir).isDirectoryNotContaining(p -> p.getFileName().toString().endsWith(".tmp"));
    }

    @Test
    void while_the_new_content_is_being_written_the_target_still_holds_the_old() throws IOException {
        Path target = Files.writeString(dir.resolve("results.jsonl"), "complete old file\n");

        AtomicFiles.write(target, tmp -> {
            Files.writeString(tmp, "half of the new");
            assertThat(target).hasContent("complete old file\n");
            assertThat(tmp.getFileName().toString()).startsWith(".").isNotEqualTo(target.getFileName().toString());
            Files.writeString(tmp, "half of the new file, now whole\n");
        });

        assertThat(target).hasContent("half of the new file, now whole\n");
    }

    @Test
    void a_writer_that_fails_leaves_the_target_as_it_was() throws IOException {
        Path target = Files.writeString(dir.resolve("manifest.json"), "{\"run_id\":\"r\"}");

        assertThatThrownBy(() -> AtomicFiles.write(target, tmp -> {
            Files.writeString(tmp, "{\"run_");
            throw new IOException("No space left on device");
        })).hasMessage("No space left on device");

        assertThat(target).hasContent("{\"run_id\":\"r\"}");
    }

    @Test
    void a_target_that_did_not_exist_appears_whole() throws IOException {
        Path target = dir.resolve("new.json");

        AtomicFiles.write(target, "{}");

        assertThat(target).hasContent("{}");
    }
}
