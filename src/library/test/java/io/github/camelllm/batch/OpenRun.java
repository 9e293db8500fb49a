package io.github.camelllm.batch;

import io.github.camelllm.config.OutputOrder;
import io.github.camelllm.config.OnDuplicate;
import io.github.camelllm.PipelineFixture;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.run.Run;
import io.github.camelllm.run.RunRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;

import java.nio.file.Files;
import java.nio.file.Path;

/** A run opened on disk (its registry, work folder and journal), for the batch steps tested without routes. */
final class OpenRun implements AutoCloseable {

    final RunRegistry runs;
    final Run run;
    private final CamelContext camel = new DefaultCamelContext();

    /** Opens a run of an input of {@code lines} prompts under {@code dir}. */
    OpenRun(Path dir, int lines) throws Exception {
        runs = new RunRegistry(dir.resolve("work"), dir.resolve("outbox"), OutputOrder.ORDERED, OnDuplicate.SKIP);
        Path input = Files.writeString(dir.resolve("input.jsonl"), PipelineFixture.prompts(lines));
        run = runs.openFile(input, false);
    }

    String id() {
        return run.id();
    }

    /** Line {@code line} of this run as a prompt for {@code model}. */
    PromptRequest prompt(long line, String customId, String model, String prompt) {
        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        return new PromptRequest(run.id(), line, customId, model, body, null, (prompt.length() + 3) / 4, null);
    }

    Exchange exchange(Object body) {
        Exchange exchange = new DefaultExchange(camel);
        exchange.getMessage().setBody(body);
        return exchange;
    }

    @Override
    public void close() {
        runs.close();
        camel.stop();
    }
}
