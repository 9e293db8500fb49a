package io.github.camelllm.run;

import io.github.camelllm.json.ResultJson;

/**
 * How a journaled result reads in the results file (llm.output.format): as it is, or as a Batch API output line.
 * The journal keeps this pipeline's own shape either way, so runs resume and summaries count the same.
 */
@FunctionalInterface
public interface ResultLines {

    /** The results file holds the journal's lines as they are. */
    ResultLines PIPELINE = (runId, journalLine) -> journalLine;

    /** The results file holds Batch API output lines. */
    ResultLines OPENAI_BATCH = ResultJson::toOpenAiBatch;

    /** The results-file line of one journal line (JSON, no newline). */
    String of(String runId, String journalLine);
}
