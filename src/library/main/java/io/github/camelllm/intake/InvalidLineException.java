package io.github.camelllm.intake;

/**
 * A line that cannot become a request; the message says why, in words a user can act on. It carries the line's
 * own custom_id once that was read, so the invalid result can be matched to the line like any other.
 */
public class InvalidLineException extends Exception {

    private final String type;
    private final String customId;

    public InvalidLineException(String type, String message) {
        this(type, message, null);
    }

    private InvalidLineException(String type, String message, String customId) {
        super(message, null, false, false);
        this.type = type;
        this.customId = customId;
    }

    public String type() {
        return type;
    }

    /** The line's custom_id, or null when the line named none (or its custom_id is what is wrong). */
    public String customId() {
        return customId;
    }

    /** The same verdict for the line whose custom_id is {@code id}. */
    InvalidLineException of(String id) {
        return new InvalidLineException(type, getMessage(), id);
    }
}
