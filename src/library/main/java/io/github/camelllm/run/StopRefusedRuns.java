package io.github.camelllm.run;

import io.github.camelllm.model.PromptRequest;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

import java.util.function.Predicate;

/**
 * Stops a prompt whose run makes no further calls (its journal cannot be written, its input changed under it):
 * what is paid must be recordable. A plain processor, since it runs once per line.
 */
public final class StopRefusedRuns implements Processor {

    private final Predicate<String> accepting;

    public StopRefusedRuns(Predicate<String> accepting) {
        this.accepting = accepting;
    }

    @Override
    public void process(Exchange exchange) {
        if (exchange.getMessage().getBody() instanceof PromptRequest request && !accepting.test(request.runId())) {
            exchange.setRouteStop(true);
        }
    }
}
