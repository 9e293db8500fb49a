package io.github.camelllm.intake;

/** A line that cannot become a request; the message says why, in words a user can act on. */
public class InvalidLineException extends Exception {

    private final String type;

    public InvalidLineException(String type, String message) {
        super(message, null, false, false);
        this.type = type;
    }

    public String type() {
        return type;
    }
}
