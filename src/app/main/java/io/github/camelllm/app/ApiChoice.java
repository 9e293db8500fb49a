package io.github.camelllm.app;

import io.github.camelllm.config.ApiConfig;
import io.github.camelllm.config.Setting;

import io.github.camelllm.config.Settings.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which API the pipeline calls. The built-in simulator only when asked for ({@code llm.base-url=simulator},
 * {@code run --simulator FILE}) or, for the quick start, by {@code run FILE} with no API configured: a deployment
 * that lost its key must stop, not write simulated answers into the outbox.
 *
 * @param baseUrl   the API's base URL; null when simulated (the simulator picks its port)
 * @param simulated answers come from the built-in simulator
 * @param chosen    the simulator was asked for explicitly
 */
record ApiChoice(String baseUrl, boolean simulated, boolean chosen) {

    private static final Logger LOG = LoggerFactory.getLogger(ApiChoice.class);

    static final String NO_API = "no API to call: set OPENAI_API_KEY (or llm.api-key) to call OpenAI, or "
            + "--base-url URL (llm.base-url, OPENAI_BASE_URL) for another OpenAI-compatible server. To answer from the "
            + "built-in simulator instead, choose it explicitly: --base-url " + Setting.SIMULATOR
            + " (llm.base-url=" + Setting.SIMULATOR + "), or run --simulator FILE";

    /**
     * @param quickStart {@code run FILE}: with no key and no base URL, use the simulator (with a banner)
     */
    static ApiChoice decide(ApiConfig api, boolean quickStart) {
        if (Setting.SIMULATOR.equals(api.baseUrl())) {
            return new ApiChoice(null, true, true);
        }
        if (api.baseUrl() != null) {
            return new ApiChoice(api.baseUrl(), false, false); // a key and no base URL is OpenAI already
        }
        if (quickStart) {
            return new ApiChoice(null, true, false);
        }
        throw new ConfigException(NO_API);
    }

    /** Says, on the log and on stderr, that the answers will be simulated. */
    void warn(String simulatorUrl, String simulatorConfig) {
        if (chosen) {
            LOG.warn("SIMULATED ANSWERS: llm.base-url={} chose the built-in simulator at {} ({}); every result and "
                    + "summary says \"simulated\": true", Setting.SIMULATOR, simulatorUrl, simulatorConfig);
            return;
        }
        String banner = """

                ================================================================================
                  SIMULATED ANSWERS: no OPENAI_API_KEY and no llm.base-url are set, so this run
                  answers from the BUILT-IN SIMULATOR, not from a model. Every result and the
                  summary say "simulated": true.
                  To call a real API: export OPENAI_API_KEY=sk-... (and optionally
                  OPENAI_BASE_URL, or run --base-url URL). To choose the simulator on
                  purpose: run --simulator FILE.
                ================================================================================
                """;
        System.err.println(banner);
        LOG.warn("SIMULATED ANSWERS: no API configured, run FILE uses the built-in simulator at {} ({})",
                simulatorUrl, simulatorConfig);
    }
}
