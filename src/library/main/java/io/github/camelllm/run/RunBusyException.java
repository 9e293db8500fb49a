package io.github.camelllm.run;

/** The run (or the input file) is being worked on by another process; this one must not touch it. */
public final class RunBusyException extends Exception {

    public RunBusyException(String message) {
        super(message);
    }
}
