package io.github.camelllm.openai;

import java.io.IOException;
import java.util.Map;

/**
 * An answer from the API that is not a success: its status, headers and (capped) body, already classified.
 * The key is never part of it: the request is not kept, and server text is scrubbed before it is shown.
 */
public final class ApiException extends IOException {

    private final transient ApiFailure failure;

    public ApiException(ApiFailure failure) {
        super(failure.describe());
        this.failure = failure;
    }

    public ApiFailure failure() {
        return failure;
    }

    public int status() {
        return failure.status();
    }

    public Map<String, String> headers() {
        return failure.headers();
    }
}
