package io.github.camelllm.app;

import io.github.camelllm.config.PipelineConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * The work queue holds prompts that wait for a call slot: at worst {@code llm.realtime.queue-size} (and
 * {@code llm.concurrency} in flight) of the longest line allowed, or, for one file, no more than the whole file.
 * When that cannot fit the heap, lines read faster than the API answers end in an OutOfMemoryError: said at start,
 * with what to change.
 */
final class HeapCheck {

    private static final Logger LOG = LoggerFactory.getLogger(HeapCheck.class);
    /** What a queued prompt holds besides its text: the exchange, its properties, the request's JSON. */
    static final long PER_PROMPT_BYTES = 4096;

    private HeapCheck() {
    }

    /**
     * @param inputBytes the size of the one file to run, or -1 for the service (any file may come)
     * @return the warning given, or null
     */
    static String warnIfQueueCannotFit(PipelineConfig config, long inputBytes, long maxHeapBytes) {
        long prompts = (long) config.queue().size() + config.calls().concurrency();
        long worst = prompts * (config.input().maxLineBytes() + PER_PROMPT_BYTES);
        if (inputBytes >= 0) {
            // a prompt's text is held about twice (the line, the request's JSON), and the queue holds at most the file
            worst = Math.min(worst, 2 * inputBytes + prompts * PER_PROMPT_BYTES);
        }
        if (worst <= maxHeapBytes) {
            return null;
        }
        String warning = String.format(Locale.ROOT, "llm.realtime.queue-size=%d (and llm.concurrency=%d in flight) of "
                        + "lines up to llm.input.max-line-bytes=%d can take %,d MB, more than this JVM's heap of %,d "
                        + "MB: lines read faster than the API answers would end in an OutOfMemoryError. Lower "
                        + "llm.realtime.queue-size or llm.input.max-line-bytes, or give the JVM more heap (-Xmx)",
                config.queue().size(), config.calls().concurrency(), config.input().maxLineBytes(), worst >> 20,
                maxHeapBytes >> 20);
        LOG.warn(warning);
        return warning;
    }
}
