package io.github.camelllm.run;

/**
 * One physical line of an input, before parsing.
 *
 * @param number 1-based line number
 * @param text   the decoded line, without its line terminator; null when {@code error} is set
 * @param error  why the line could not be read as text (too long, not UTF-8), or null
 */
public record RawLine(long number, String text, String error) {

    public boolean readable() {
        return error == null;
    }
}
