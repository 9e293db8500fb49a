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
 * @param reset       true to close the connection without answering
 * @param trickleBytesPerSecond write the body slowly at this speed, 0 = all at once
 */
record SimResponse(int status, String contentType, byte[] body, Map<String, String> headers, long delayMs, boolean hang,
                   boolean reset, long trickleBytesPerSecond) {

    static final String JSON = "application/json";

    static SimResponse json(int status, byte[] body) {
        return new SimResponse(status, JSON, body, Map.of(), 0, false, false, 0);
    }

    static SimResponse bytes(String contentType, byte[] body) {
        return new SimResponse(200, contentType, body, Map.of(), 0, false, false, 0);
    }

    static SimResponse text(int status, String text) {
        return new SimResponse(status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of(), 0, false, false, 0);
    }

    static SimResponse html(int status, String html) {
        return new SimResponse(status, "text/html", html.getBytes(StandardCharsets.UTF_8), Map.of(), 0, false, false, 0);
    }

    static SimResponse hanging() {
        return new SimResponse(0, JSON, new byte[0], Map.of(), 0, true, false, 0);
    }

    static SimResponse connectionReset() {
        return new SimResponse(0, JSON, new byte[0], Map.of(), 0, false, true, 0);
    }

    SimResponse delayed(long ms) {
        return new SimResponse(status, contentType, body, headers, ms, hang, reset, trickleBytesPerSecond);
    }

    SimResponse trickled(long bytesPerSecond) {
        return new SimResponse(status, contentType, body, headers, delayMs, hang, reset, bytesPerSecond);
    }

    SimResponse withHeader(String name, String value) {
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new SimResponse(status, contentType, body, copy, delayMs, hang, reset, trickleBytesPerSecond);
    }

    SimResponse withHeaders(Map<String, String> extra) {
        if (extra.isEmpty()) {
            return this;
        }
        Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.putAll(extra);
        return new SimResponse(status, contentType, body, copy, delayMs, hang, reset, trickleBytesPerSecond);
    }
}
