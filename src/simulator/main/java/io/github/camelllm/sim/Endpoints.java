package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * The model endpoints the simulator answers, in real time and in its Batch API: chat completions, responses
 * and embeddings, each checking its own request shape.
 */
final class Endpoints {

    static final String CHAT = "/v1/chat/completions";
    static final String RESPONSES = "/v1/responses";
    static final String EMBEDDINGS = "/v1/embeddings";
    static final List<String> ALL = List.of(CHAT, RESPONSES, EMBEDDINGS);

    private Endpoints() {
    }

    static boolean known(String path) {
        return ALL.contains(path);
    }

    /**
     * The 400 for a body this endpoint does not take, or null: first what every endpoint asks (a JSON object naming
     * a model), then the endpoint's own fields.
     */
    static ChatCompletions.Outcome validate(String path, JsonNode request) {
        if (request == null || !request.isObject()) {
            return ChatCompletions.invalid("The request body must be a JSON object.", null);
        }
        JsonNode model = request.get("model");
        if (model == null || !model.isTextual() || model.asText().isEmpty()) {
            return ChatCompletions.invalid("you must provide a model parameter", "model");
        }
        return switch (path) {
            case RESPONSES -> Responses.validate(request);
            case EMBEDDINGS -> Embeddings.validate(request);
            default -> ChatCompletions.validate(request);
        };
    }

    /** The answer to a request of this endpoint: the 400 of {@link #validate} when the body is not one. */
    static ChatCompletions.Outcome answer(String path, JsonNode request) {
        ChatCompletions.Outcome invalid = validate(path, request);
        if (invalid != null) {
            return invalid;
        }
        return switch (path) {
            case RESPONSES -> Responses.answer(request);
            case EMBEDDINGS -> Embeddings.answer(request);
            default -> ChatCompletions.answer(request);
        };
    }
}
