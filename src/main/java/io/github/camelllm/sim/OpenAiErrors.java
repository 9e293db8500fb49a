package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** Error responses in OpenAI's shape: {@code {"error":{"message","type","param","code"}}}. */
final class OpenAiErrors {

    private OpenAiErrors() {
    }

    static ObjectNode errorBody(String message, String type, String param, String code) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        return body;
    }

    static SimResponse error(int status, String message, String type, String param, String code) {
        return SimResponse.json(status, Json.bytes(errorBody(message, type, param, code)));
    }

    static SimResponse invalidRequest(String message, String param) {
        return error(400, message, "invalid_request_error", param, null);
    }

    static SimResponse notFound(String message) {
        return error(404, message, "invalid_request_error", null, null);
    }

    static SimResponse unauthorized() {
        return error(401, "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
                "invalid_request_error", null, "invalid_api_key");
    }

    static SimResponse rateLimited(double retryAfterSeconds) {
        return error(429, "Rate limit reached for requests (simulated). Please try again in "
                        + Math.round(retryAfterSeconds * 1000) + "ms.", "requests", null, "rate_limit_exceeded")
                .withHeader("retry-after", Long.toString((long) Math.ceil(retryAfterSeconds)))
                .withHeader("retry-after-ms", Long.toString(Math.round(retryAfterSeconds * 1000)));
    }

    static SimResponse serverError() {
        return SimResponse.json(500, Json.bytes(serverErrorBody(500)));
    }

    /** Body for a 5xx, also used for failed lines of a batch error file. */
    static ObjectNode serverErrorBody(int status) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", "The server had an error while processing your request (simulated " + status + "). Sorry about that!");
        error.put("type", "server_error");
        error.putNull("param");
        error.putNull("code");
        return body;
    }

    /** Error body for an arbitrary status requested through the {@code [sim:status=NNN]} marker. */
    static ObjectNode bodyForStatus(int status) {
        if (status >= 500) {
            return serverErrorBody(status);
        }
        return switch (status) {
            case 401 -> errorBody("Incorrect API key provided (simulated).", "invalid_request_error", null, "invalid_api_key");
            case 403 -> errorBody("You are not allowed to sample from this model (simulated).", "invalid_request_error", null, "model_not_found");
            case 404 -> errorBody("The model does not exist (simulated).", "invalid_request_error", "model", "model_not_found");
            case 429 -> errorBody("Rate limit reached for requests (simulated).", "requests", null, "rate_limit_exceeded");
            default -> errorBody("Simulated error with status " + status + ".", "invalid_request_error", null, null);
        };
    }
}
