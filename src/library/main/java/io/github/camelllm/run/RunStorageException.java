package io.github.camelllm.run;

import java.io.IOException;
import java.nio.file.Path;

/** A run's work folder cannot be written (disk full, read-only, I/O error): no further calls are made for it. */
public final class RunStorageException extends IOException {

    public RunStorageException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A failed write of a run's file, named with the run, the file and a plain cause (a full disk says so). */
    static RunStorageException of(String runId, Path path, IOException e) {
        if (e instanceof RunStorageException fault) {
            return fault;
        }
        String cause = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (cause.contains("No space left")) {
            cause = "the disk is full (" + cause + ")";
        }
        return new RunStorageException("run " + runId + " cannot write " + path + ": " + cause, e);
    }
}
