package io.github.camelllm.openai;

/** The server answered 2xx with something that is not a chat completion; retrying would pay for it again. */
public class InvalidResponseException extends Exception {

    public InvalidResponseException(String message) {
        super(message, null, false, false);
    }
}
