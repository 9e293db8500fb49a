package io.github.camelllm.json;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The product's one Jackson mapper (thread-safe once configured; never reconfigure it). Answers of the API and
 * files of earlier versions may carry fields this version does not know: they are ignored.
 */
public final class Jackson {

    public static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Jackson() {
    }
}
