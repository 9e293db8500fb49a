package io.github.camelllm.run;

import io.github.camelllm.model.PromptResult;
import org.apache.camel.Exchange;

/**
 * Told of every final result once it is in its run's journal: what progress and metrics count. Called on the
 * results stage's thread, once per line; it must be quick and must not throw.
 */
@FunctionalInterface
public interface ResultListener {

    /** Tells nobody. */
    ResultListener NONE = (result, exchange) -> {
    };

    /** @param exchange the exchange that carried the result (its call's state, for a real-time prompt) */
    void recorded(PromptResult result, Exchange exchange);
}
