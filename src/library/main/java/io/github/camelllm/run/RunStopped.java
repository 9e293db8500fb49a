package io.github.camelllm.run;

import io.github.camelllm.model.PromptRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Predicate;

/**
 * Whether the prompt in the body belongs to a run that makes no further calls (its journal cannot be written, its
 * input changed under it): what is paid must be recordable. The dispatch route asks it (ref language) for every
 * prompt and stops the ones it holds.
 */
public final class RunStopped implements Predicate {

    private final java.util.function.Predicate<String> accepting;

    public RunStopped(java.util.function.Predicate<String> accepting) {
        this.accepting = accepting;
    }

    @Override
    public boolean matches(Exchange exchange) {
        return exchange.getMessage().getBody() instanceof PromptRequest request && !accepting.test(request.runId());
    }
}
