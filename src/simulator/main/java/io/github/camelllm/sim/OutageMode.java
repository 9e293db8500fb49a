package io.github.camelllm.sim;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How every chat call fails while an outage is on; {@link #wireName()} is the name used by the CLI and control endpoint. */
public enum OutageMode {
    /** 502 with a small nginx-style HTML page, as a gateway in front of the API sends it. */
    HTML502("html502"),
    /** 500 with OpenAI's JSON server_error body. */
    SERVER_ERROR_500("500"),
    /** 503 with OpenAI's JSON server_error body ("overloaded"). */
    OVERLOADED_503("503"),
    /** The connection is closed (TCP reset) without any answer. */
    RESET("reset"),
    /** The request is never answered; it stays open until the client gives up. */
    HANG("hang");

    private final String wireName;

    OutageMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Parses a wire name (case-insensitive); null or blank means "no outage" and gives null. */
    public static OutageMode parse(String name) {
        if (name == null || name.isBlank() || name.equalsIgnoreCase("none") || name.equalsIgnoreCase("null")) {
            return null;
        }
        String wanted = name.trim().toLowerCase(Locale.ROOT);
        for (OutageMode mode : values()) {
            if (mode.wireName.equals(wanted)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("outage must be one of " + names() + ": " + name);
    }

    static String names() {
        return Arrays.stream(values()).map(OutageMode::wireName).collect(Collectors.joining(", "));
    }
}
