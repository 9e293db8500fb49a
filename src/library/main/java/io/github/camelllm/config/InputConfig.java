package io.github.camelllm.config;

/**
 * Prompts as messages, and every input's lines.
 *
 * @param uri          the endpoint that takes prompts as messages
 * @param maxLineBytes longest input line; a longer line becomes an invalid result
 */
public record InputConfig(String uri, int maxLineBytes) {
}
