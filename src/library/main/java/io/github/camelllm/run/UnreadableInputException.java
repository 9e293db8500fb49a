package io.github.camelllm.run;

/** A whole input that cannot be processed at all (binary, unreadable); it goes to the inbox's .failed folder. */
public class UnreadableInputException extends Exception {

    public UnreadableInputException(String message) {
        super(message);
    }
}
