package io.github.camelllm.config;

import java.nio.file.Path;

/**
 * Where results go.
 *
 * @param outbox folder of NAME.results.jsonl, NAME.summary.json and NAME.failed.jsonl
 * @param order  order of the results file
 * @param uri    endpoint(s), comma-separated, that also receive every result; "" for none
 */
public record OutputConfig(Path outbox, OutputOrder order, String uri) {
}
