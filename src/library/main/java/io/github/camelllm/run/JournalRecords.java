package io.github.camelllm.run;

import io.github.camelllm.json.ResultJson;
import io.github.camelllm.model.PromptResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Reads the results of a journal, skipping every record that cannot be used (torn by a crash or a full disk,
 * written by a foreign process, edited by hand): that line's prompt is simply asked again. No content of a
 * journal can make its run unfinishable.
 * <p>
 * What is read of a record is its bookkeeping ({@link ResultJson#readBookkeeping}): line, status, route, usage,
 * error and the rest the counts, the spend and a resumed run need. The answer itself (an embedding's vector, a
 * chat's text) is passed over, never decoded.
 */
final class JournalRecords {

    private static final Logger LOG = LoggerFactory.getLogger(JournalRecords.class);

    /**
     * A usable record's bookkeeping (a result without its answer) with its byte position in the journal; the
     * record's length is without its newline.
     */
    @FunctionalInterface
    interface Visitor {
        void visit(PromptResult result, long offset, int length) throws IOException;
    }

    /** The same with the record's text, for what copies records. */
    @FunctionalInterface
    interface TextVisitor {
        void visit(PromptResult result, long offset, int length, String line) throws IOException;
    }

    /** A usable record as the bytes it was read from (valid during the call). */
    @FunctionalInterface
    private interface BytesVisitor {
        void visit(PromptResult result, long offset, byte[] bytes, int start, int length) throws IOException;
    }

    private JournalRecords() {
    }

    /** @return how many records were skipped */
    static long read(String runId, Path journal, Visitor visitor) throws IOException {
        return read(runId, journal, (result, offset, bytes, start, length) -> visitor.visit(result, offset, length));
    }

    /** @return how many records were skipped */
    static long read(String runId, Path journal, TextVisitor visitor) throws IOException {
        return read(runId, journal, (result, offset, bytes, start, length) -> visitor.visit(result, offset, length,
                new String(bytes, start, length, StandardCharsets.UTF_8)));
    }

    private static long read(String runId, Path journal, BytesVisitor visitor) throws IOException {
        long[] number = {0};
        long[] skipped = {0};
        Journal.scan(journal, (offset, bytes, start, length) -> {
            number[0]++;
            PromptResult result = parse(runId, bytes, start, length);
            if (result == null) {
                skipped[0]++;
                LOG.warn("run {}: journal line {} ({}) is not a readable result: skipped, its prompt is asked "
                        + "again", runId, number[0], journal);
                return;
            }
            visitor.visit(result, offset, bytes, start, length);
        });
        return skipped[0];
    }

    /**
     * One record's bookkeeping, or null when the record cannot be used. A record with bytes that are not UTF-8
     * (a disk fault, a hand edit) is read from its decoded text, where they are replacement characters: it stays
     * as usable as its text is.
     */
    static PromptResult parse(String runId, byte[] bytes, int start, int length) {
        PromptResult r;
        try {
            r = ResultJson.readBookkeeping(runId, bytes, start, length);
        } catch (IOException | RuntimeException notAsBytes) {
            try {
                r = ResultJson.readBookkeeping(runId, new String(bytes, start, length, StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
        if (r.line() < 1 || r.line() >= Integer.MAX_VALUE - 8 || r.status() == null) {
            return null;
        }
        return switch (r.status()) {
            case PromptResult.OK, PromptResult.ERROR, PromptResult.INVALID -> r;
            default -> null;
        };
    }
}
