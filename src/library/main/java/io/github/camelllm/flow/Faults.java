package io.github.camelllm.flow;

import io.github.camelllm.config.PropertyNames;
import io.github.camelllm.openai.ApiFailure;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * Faults that no retry fixes: a refused key (401/403), an empty account (429 insufficient_quota), a base URL
 * that is not an API (404), for every prompt; an unknown model (404 model_not_found) for that model's
 * prompts. The first such answer trips the fault; from then on no prompt it concerns is sent, except one
 * probe now and then (as a circuit breaker's half-open state does), so a fixed key or a topped-up account
 * resumes work without a restart.
 * <p>
 * With {@code hold} off (a one-shot run, or a host that wants answers now) the prompts it concerns end at once
 * as error results naming the cause; with {@code hold} on (the inbox service) they wait for a probe to
 * succeed, and the service takes no new file meanwhile.
 */
final class Faults {

    private static final Logger LOG = LoggerFactory.getLogger(Faults.class);
    static final String ALL = "*";

    private final boolean hold;
    private final long probeIntervalNanos;
    private final UnaryOperator<String> scrub;
    private final PropertyNames names;
    private final Map<String, Fault> active = new ConcurrentHashMap<>();

    private static final class Fault {
        final ApiFailure failure;
        final String type;
        final String message;
        /** When the fault was found: an answer to a call sent before then says nothing about it. */
        final long trippedAtNanos;
        long probeAtNanos;
        boolean probing;

        Fault(ApiFailure failure, String type, String message, long trippedAtNanos, long probeAtNanos) {
            this.failure = failure;
            this.type = type;
            this.message = message;
            this.trippedAtNanos = trippedAtNanos;
            this.probeAtNanos = probeAtNanos;
        }
    }

    /** @param names the pipeline's properties, named in the messages that say what to check */
    Faults(boolean hold, long probeIntervalMs, UnaryOperator<String> scrub, PropertyNames names) {
        this.hold = hold;
        this.probeIntervalNanos = probeIntervalMs * 1_000_000L;
        this.scrub = scrub;
        this.names = names;
    }

    /** Whether the prompts a fault concerns wait for it to clear. */
    boolean holds() {
        return hold;
    }

    boolean any() {
        return !active.isEmpty();
    }

    Admission admit(String model, long nowNanos) {
        Admission all = admit(ALL, nowNanos, active.get(ALL));
        if (all != Admission.PASS) {
            return all;
        }
        return admit(scope(model), nowNanos, active.get(scope(model)));
    }

    private Admission admit(String scope, long nowNanos, Fault fault) {
        if (fault == null) {
            return Admission.PASS;
        }
        synchronized (fault) {
            if (!fault.probing && nowNanos >= fault.probeAtNanos) {
                fault.probing = true;
                return Admission.probe(scope);
            }
            if (!hold) {
                return Admission.fail(new PipelineStoppedException(fault.type, fault.message, fault.failure.status()));
            }
            return fault.probing ? Admission.PARK : Admission.waitUntil(fault.probeAtNanos);
        }
    }

    /**
     * The faults whose probe is due and that no prompt has taken: marks them as probing and returns their scopes
     * ({@value #ALL}, or "model:NAME"). With no prompt left to ask (they ended as errors, or the inbox takes no new
     * file), the gate sends these probes itself, so the pipeline still notices when the fault clears.
     */
    List<String> dueProbes(long nowNanos) {
        List<String> due = new ArrayList<>();
        active.forEach((scope, fault) -> {
            synchronized (fault) {
                if (!fault.probing && nowNanos >= fault.probeAtNanos) {
                    fault.probing = true;
                    due.add(scope);
                }
            }
        });
        return due;
    }

    /** The model a scope names, or null for {@value #ALL}. */
    static String modelOf(String scope) {
        return scope.startsWith("model:") ? scope.substring("model:".length()) : null;
    }

    /** A fatal answer: trips its fault (logged once), or, for a probe, schedules the next probe. */
    void trip(ApiFailure failure, String model, long nowNanos) {
        String scope = failure.kind() == ApiFailure.Kind.MODEL_NOT_FOUND ? scope(model) : ALL;
        Fault fresh = new Fault(failure, failure.resultType(), explain(failure, model), nowNanos,
                nowNanos + probeIntervalNanos);
        Fault existing = active.putIfAbsent(scope, fresh);
        if (existing == null) {
            LOG.error("{} — {} until a probe (one every {} ms) succeeds", fresh.message,
                    hold ? "holding every prompt it concerns (no new input is taken)"
                            : "no more calls: the prompts it concerns end as errors",
                    probeIntervalNanos / 1_000_000L);
            return;
        }
        synchronized (existing) {
            existing.probing = false;
            existing.probeAtNanos = nowNanos + probeIntervalNanos;
        }
    }

    /**
     * An answer that is not a fault clears the faults it disproves (the key works, the account has credit) when
     * its call was sent after the fault was found: the answers of calls already in flight then are old news, and
     * must not make the state flap (resuming, out of credit, resuming ...) as they arrive.
     *
     * @param sentNanos when the answered call was sent
     */
    boolean cleared(String model, long sentNanos) {
        boolean changed = false;
        for (String scope : new String[]{ALL, scope(model)}) {
            Fault fault = active.get(scope);
            if (fault == null || sentNanos - fault.trippedAtNanos < 0) {
                continue;
            }
            Fault gone = active.remove(scope) != null ? fault : null;
            if (gone != null) {
                LOG.warn("the API answers again ({} no longer holds): resuming", gone.type);
                changed = true;
            }
        }
        return changed;
    }

    /** A probe that ended without an answer (timeout, connection): let another prompt probe. */
    void probeEnded(String scope, long nowNanos) {
        Fault fault = active.get(scope);
        if (fault != null) {
            synchronized (fault) {
                fault.probing = false;
                fault.probeAtNanos = Math.max(fault.probeAtNanos, nowNanos + probeIntervalNanos);
            }
        }
    }

    private String explain(ApiFailure failure, String model) {
        String server = scrub.apply(failure.describe());
        return switch (failure.kind()) {
            case AUTH -> "the API refuses the key (" + server + "): check " + names.apiKey();
            case QUOTA -> "the account is out of credit (" + server + "): top it up or raise its limit";
            case MODEL_NOT_FOUND -> "model '" + model + "' is not available (" + server + "): check "
                    + names.of("model") + " or the lines' \"model\"";
            default -> "the base URL does not answer as an OpenAI-compatible API (" + server + "): check "
                    + names.of("base-url");
        };
    }

    private static String scope(String model) {
        return "model:" + model;
    }
}
