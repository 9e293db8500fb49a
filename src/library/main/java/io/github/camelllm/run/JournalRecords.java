package io.github.camelllm.run;

import io.github.camelllm.json.ResultJson;
import io.github.camelllm.model.PromptResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Reads the results of a journal, skipping every record that cannot be used (torn by a crash or a full disk,
 * written by a foreign process, edited by hand): that line's prompt is simply asked again. No content of a
 * journal can make its run unfinishable.
 */
final class JournalRecords {

    private static final Logger LOG = LoggerFactory.getLogger(JournalRecords.class);

    /** A usable record with its byte position in the journal. */
    @FunctionalInterface
    interface Visitor {
        void visit(PromptResult result, long offset, int length, String line) throws IOException;
    }

    private JournalRecords() {
    }

    /** @return how many records were skipped */
    static long read(String runId, Path journal, Visitor visitor) throws IOException {
        long[] number = {0};
        long[] skipped = {0};
        Journal.scan(journal, (offset, length, line) -> {
            number[0]++;
            PromptResult result = parse(runId, line);
            if (result == null) {
                skipped[0]++;
                LOG.warn("run {}: journal line {} ({}) is not a readable result: skipped, its prompt is asked "
                        + "again", runId, number[0], journal);
                return;
            }
            visitor.visit(result, offset, length, line);
        });
        return skipped[0];
    }

    private static PromptResult parse(String runId, String line) {
        try {
            PromptResult r = ResultJson.read(runId, line);
            if (r.line() < 1 || r.line() >= Integer.MAX_VALUE - 8 || r.status() == null) {
                return null;
            }
            return switch (r.status()) {
                case PromptResult.OK, PromptResult.ERROR, PromptResult.INVALID -> r;
                default -> null;
            };
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
