package io.github.camelllm.flow;

/**
 * A prompt that is not sent because the pipeline as a whole cannot get an answer for it: the key is refused,
 * the account is out of credit, the model does not exist, the server has been down for too long, or rate
 * limits held it back past its time budget. The message says which, and what to do; the result's error type
 * names the cause.
 */
public final class PipelineStoppedException extends RuntimeException {

    private final String type;
    private final Integer httpStatus;

    public PipelineStoppedException(String type, String message, Integer httpStatus) {
        super(message, null, false, false);
        this.type = type;
        this.httpStatus = httpStatus;
    }

    public String type() {
        return type;
    }

    public Integer httpStatus() {
        return httpStatus;
    }
}
