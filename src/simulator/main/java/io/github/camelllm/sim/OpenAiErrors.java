package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Map;

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

    /** 401 for a wrong key; the key is masked as OpenAI does it, never echoed whole. */
    static SimResponse invalidApiKey(String presentedKey) {
        return error(401, "Incorrect API key provided: " + maskKey(presentedKey) + ". You can find your API key at "
                + "https://platform.openai.com/account/api-keys.", "invalid_request_error", null, "invalid_api_key");
    }

    /** 401 without any bearer token. */
    static SimResponse missingApiKey() {
        return error(401, "You didn't provide an API key. You need to provide your API key in an Authorization header "
                + "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from "
                + "https://platform.openai.com/account/api-keys.", "invalid_request_error", null, null);
    }

    /** First five and last two characters, so an operator can tell keys apart; short keys show nothing. */
    static String maskKey(String key) {
        if (key == null || key.length() < 12) {
            return "***";
        }
        return key.substring(0, 5) + "***" + key.substring(key.length() - 2);
    }

    static SimResponse insufficientQuota() {
        return error(429, "You exceeded your current quota, please check your plan and billing details. For more "
                + "information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.",
                "insufficient_quota", null, "insufficient_quota");
    }

    static SimResponse modelNotFound(String model) {
        return error(404, "The model `" + model + "` does not exist or you do not have access to it.",
                "invalid_request_error", null, "model_not_found");
    }

    /** 403 for a model that exists but the project may not use; OpenAI keeps code model_not_found here. */
    static SimResponse modelForbidden(String model) {
        return error(403, "Project `proj_sim` does not have access to model `" + model + "`",
                "invalid_request_error", null, "model_not_found");
    }

    /** What a chat call gets during an outage; gateways answer at once, so there is no latency. */
    static SimResponse outage(OutageMode mode) {
        return switch (mode) {
            case HTML502 -> SimResponse.html(502, BAD_GATEWAY_PAGE);
            case SERVER_ERROR_500 -> serverError();
            case OVERLOADED_503 -> error(503, "The server is overloaded or not ready yet.", "server_error", null, null);
            case RESET -> SimResponse.connectionReset();
            case HANG -> SimResponse.hanging();
        };
    }

    private static final String BAD_GATEWAY_PAGE = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
            + "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

    /**
     * The random (not bucket-driven) 429 of {@code rate429}, with this error code ("none": no code and no type, as
     * a gateway answers), and optionally x-ratelimit-* headers that claim plenty is left.
     */
    static SimResponse rateLimited(double retryAfterSeconds, boolean retryAfterHeaders, String code,
                                   boolean lyingHeaders) {
        SimResponse response = switch (code) {
            case "none" -> error(429, "Too Many Requests", null, null, null);
            case "slow_down" -> error(429, "Please reduce your rate of requests: traffic grew too fast (simulated).",
                    "slow_down", null, "slow_down");
            default -> error(429, "Rate limit reached for requests (simulated). Please try again in "
                    + Math.round(retryAfterSeconds * 1000) + "ms.", "requests", null, "rate_limit_exceeded");
        };
        if (lyingHeaders) {
            response = response.withHeaders(Map.of(
                    "x-ratelimit-limit-requests", "10000", "x-ratelimit-remaining-requests", "9999",
                    "x-ratelimit-reset-requests", "6ms", "x-ratelimit-limit-tokens", "10000000",
                    "x-ratelimit-remaining-tokens", "9999000", "x-ratelimit-reset-tokens", "6ms"));
        }
        return retryAfterHeaders ? withRetryAfter(response, Math.round(retryAfterSeconds * 1000)) : response;
    }

    /** What a gateway that caps the calls in flight answers past its cap: a 429 without an error code. */
    static SimResponse tooManyInFlight(double retryAfterSeconds, boolean retryAfterHeaders) {
        SimResponse response = error(429, "Too many concurrent requests", null, null, null);
        return retryAfterHeaders ? withRetryAfter(response, Math.round(retryAfterSeconds * 1000)) : response;
    }

    /** retry-after-ms exact, retry-after in whole seconds rounded up, as OpenAI sends them. */
    static SimResponse withRetryAfter(SimResponse response, long waitMs) {
        return response.withHeader("retry-after", Long.toString((waitMs + 999) / 1000))
                .withHeader("retry-after-ms", Long.toString(waitMs));
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
