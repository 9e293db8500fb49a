package io.github.camelllm.run;

import java.util.Arrays;

/**
 * Which line of its run each line of an opening's input is. A run's own input maps every line to itself. A
 * failed file written for the run ({@code NAME.failed.jsonl}) and dropped in again holds only the lines that had
 * failed: its line k is the run's k-th line of that list, so its answers are journaled, and merged into the outputs,
 * as the run's own lines.
 */
final class LineMap {

    static final LineMap IDENTITY = new LineMap(null);

    /** The run's line numbers, ascending, of the input's lines 1, 2, ...; null for the identity. */
    private final long[] runLines;

    private LineMap(long[] runLines) {
        this.runLines = runLines;
    }

    /** The lines of a failed file: its line k is {@code runLines[k - 1]} (ascending). */
    static LineMap of(long[] runLines) {
        return new LineMap(runLines.clone());
    }

    boolean identity() {
        return runLines == null;
    }

    /** The run's line for a line of the input, or -1 when the input has more lines than the map. */
    long runLine(long inputLine) {
        if (runLines == null) {
            return inputLine;
        }
        return inputLine >= 1 && inputLine <= runLines.length ? runLines[(int) (inputLine - 1)] : -1;
    }

    /** Whether the input holds this line of the run. */
    boolean covers(long runLine) {
        return runLines == null || Arrays.binarySearch(runLines, runLine) >= 0;
    }

    /** How many lines the input holds, or -1 for a run's own input. */
    int size() {
        return runLines == null ? -1 : runLines.length;
    }
}
