package io.github.camelllm.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The runs' work folders and journals.
 *
 * @param workRoot    folder of the runs' work folders: {@code llm.work-dir}, or "work" next to the outbox
 * @param fsync       force every journal record to the disk before it counts
 * @param retryBroken when a run stopped by a storage fault is tried again (service mode)
 * @param lockWait    run FILE: how long to wait for another process that holds the run
 */
public record RunsConfig(Path workRoot, boolean fsync, Duration retryBroken, Duration lockWait) {
}
