package io.github.camelllm.config;

/**
 * The work queue in front of the real-time callers, and the way results come back.
 *
 * @param size       capacity of the default in-memory queue
 * @param uri        the work queue; both ends of the realtime route use it
 * @param resultsUri where callers send results back to this instance
 */
public record QueueConfig(int size, String uri, String resultsUri) {
}
