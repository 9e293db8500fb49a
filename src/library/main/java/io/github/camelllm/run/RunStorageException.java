package io.github.camelllm.run;

import java.io.IOException;

/** A run's work folder cannot be written (disk full, read-only, I/O error): no further calls are made for it. */
public final class RunStorageException extends IOException {

    public RunStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
