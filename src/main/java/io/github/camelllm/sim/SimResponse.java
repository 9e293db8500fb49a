package io.github.camelllm.sim;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the simulator decided to answer to one request: kept free of Netty types so the routing
 * logic stays easy to read and test; {@link SimulatorChannelHandler} turns it into bytes on the wire.
 *
 * @param status      HTTP status
 * @param contentType media type of {@code body}
 * @param body        response body
 * @param headers     extra response headers (e.g. retry-after)
 * @param delayMs     how long to hold the response before writing it
 * @param hang        true to never answer (the request stays in flight until the client closes)
 */
record SimResponse(int status, String contentType, byte[] body, Map<String, String> headers, long delayMs, boolean hang) {

    static final String JSON = "application/json";

    static SimResponse json(int status, byte[] body) {
        return new SimResponse(status, JSON, body, Map.of(), 0, false);
    }

    static SimResponse bytes(String contentType, byte[] body) {
        return new SimResponse(200, contentType, body, Map.of(), 0, false);
    }

    static SimResponse text(int status, String text) {
        return new SimResponse(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of(), 0, false);
    }

    static SimResponse hanging() {
        return new SimResponse(0, JSON, new byte[0], Map.of(), 0, true);
    }

    SimResponse delayed(long ms) {
        return new SimResponse(status, contentType, body, headers, ms, hang);
    }

    SimResponse withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new SimResponse(status, contentType, body, copy, delayMs, hang);
    }
}
