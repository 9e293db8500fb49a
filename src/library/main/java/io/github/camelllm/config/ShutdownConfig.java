package io.github.camelllm.config;

import java.time.Duration;

/** @param timeout on SIGTERM, how long in-flight calls may take to finish and be journaled */
public record ShutdownConfig(Duration timeout) {
}
