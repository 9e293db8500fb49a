package io.github.camelllm.config;

/**
 * Prompts as messages, and every input's lines.
 *
 * @param uri           the endpoint that takes prompts as messages
 * @param maxLineBytes  longest input line; a longer line becomes an invalid result
 * @param callerHeaders which of a message's headers come back with its results (names, wildcards, ! to keep out)
 */
public record InputConfig(String uri, int maxLineBytes, String callerHeaders) {
}
