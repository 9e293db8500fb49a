package io.github.camelllm.run;

import java.io.IOException;

/** The input file of a run was truncated or rewritten while the run was reading it. */
public final class InputChangedException extends IOException {

    public InputChangedException(String message) {
        super(message);
    }
}
