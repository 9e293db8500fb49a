package io.github.camelllm.flow;

import io.github.camelllm.model.Endpoint;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.openai.CallState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The gate's own probes: a one-token call sent when the API is down ({@link OutageBreaker}) or refuses us
 * ({@link Faults}) and a probe is due that no prompt has taken, because no prompt is left to be the probe (the
 * held prompts ended as errors, or the inbox takes no new file meanwhile). Without them such a pipeline would
 * never notice that the API is back. A probe's answer goes to the gate like any other.
 */
final class GateProbes {

    private static final Logger LOG = LoggerFactory.getLogger(GateProbes.class);

    private final OutageBreaker outage;
    private final Faults faults;
    private final UnaryOperator<String> scrub;
    private volatile Consumer<CallState> sender;
    private volatile String lastModel;
    /** The endpoint each model was last called on: its probe goes there (an embedding model has no chat). */
    private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
    private volatile boolean stopped;

    GateProbes(OutageBreaker outage, Faults faults, UnaryOperator<String> scrub) {
        this.outage = outage;
        this.faults = faults;
        this.scrub = scrub;
    }

    /** How a probe is sent: the chat client's, its answer only reported to the gate. */
    void sendWith(Consumer<CallState> sender) {
        this.sender = sender;
    }

    /** The model of the latest prompt: an outage probe asks for it. */
    void modelSeen(String model) {
        modelSeen(model, Endpoint.CHAT_COMPLETIONS);
    }

    /** The model and endpoint of the latest prompt: an outage probe asks that model on that endpoint. */
    void modelSeen(String model, Endpoint endpoint) {
        if (model != null && !model.equals(lastModel)) {
            lastModel = model;
        }
        if (model != null && endpoint != null && endpoints.get(model) != endpoint) {
            endpoints.put(model, endpoint);
        }
    }

    void stop() {
        stopped = true;
    }

    /** Sends the probes that are due: the outage's, and one per fault (for its model, or the latest model). */
    void sendDue(long nowNanos) {
        Consumer<CallState> send = sender;
        String model = lastModel;
        if (stopped || send == null || model == null) {
            return;
        }
        try {
            if (outage.admit(nowNanos).kind() == Admission.Kind.PROBE) {
                send.accept(probeCall(model, endpointOf(model), OutageBreaker.PROBE));
            }
            for (String scope : faults.dueProbes(nowNanos)) {
                String scoped = Faults.modelOf(scope);
                String probed = scoped != null ? scoped : model;
                send.accept(probeCall(probed, endpointOf(probed), scope));
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot send a probe: {}", scrub.apply(e.getMessage()));
        }
    }

    private Endpoint endpointOf(String model) {
        return endpoints.getOrDefault(model, Endpoint.CHAT_COMPLETIONS);
    }

    /** The cheapest call there is: one word in, at most one token out. */
    static CallState probeCall(String model, String probe) {
        return probeCall(model, Endpoint.CHAT_COMPLETIONS, probe);
    }

    /** The cheapest call of an endpoint: one word in, as few tokens out as it allows. */
    static CallState probeCall(String model, Endpoint endpoint, String probe) {
        String m = "{\"model\":" + quoted(model) + ",";
        String body = switch (endpoint) {
            case CHAT_COMPLETIONS -> m + "\"messages\":[{\"role\":\"user\",\"content\":\"ping\"}],\"max_tokens\":1}";
            case RESPONSES -> m + "\"input\":\"ping\",\"max_output_tokens\":16}";
            case COMPLETIONS -> m + "\"prompt\":\"ping\",\"max_tokens\":1}";
            case EMBEDDINGS -> m + "\"input\":\"ping\"}";
            case MODERATIONS -> "{\"input\":\"ping\"}";
        };
        CallState call = new CallState(new PromptRequest("", 0, "probe", model, body, null, 1, null, endpoint), null);
        call.probe(probe);
        return call;
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
