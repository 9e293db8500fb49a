package io.github.camelllm.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The watched folder ({@code llm.inbox.*}).
 *
 * @param folder         the folder
 * @param enabled        whether it is watched
 * @param poll           poll interval
 * @param readLock       how long a file must be unchanged before it is read
 * @param requireMarker  only files with a marker beside them are taken
 * @param followSymlinks follow symbolic links (else links and other non-regular files are ignored)
 * @param onDuplicate    a file whose content already completed a run
 */
public record InboxConfig(Path folder, boolean enabled, Duration poll, Duration readLock, boolean requireMarker,
                          boolean followSymlinks, OnDuplicate onDuplicate) {
}
