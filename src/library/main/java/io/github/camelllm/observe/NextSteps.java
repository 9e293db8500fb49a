package io.github.camelllm.observe;

import io.github.camelllm.config.PropertyNames;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What to do after a run in which something failed: the setting to fix, the file to run again. */
public final class NextSteps {

    private NextSteps() {
    }

    /**
     * @param failedFile where the run's failed lines were written, or null (a run of messages)
     * @return nothing when every prompt succeeded
     */
    public static List<String> of(RunProgress run, PropertyNames names, Path failedFile) {
        List<String> steps = new ArrayList<>();
        for (Map.Entry<String, Long> e : run.errorTypes().entrySet()) {
            String fix = fix(e.getKey(), names);
            if (fix != null) {
                steps.add(e.getValue() + " failed with " + e.getKey() + ": " + fix);
            }
        }
        if (run.invalid() > 0) {
            steps.add(run.invalid() + " lines are invalid (their error is in the results file): correct them");
        }
        if (run.error() > 0 || run.invalid() > 0) {
            steps.add(failedFile == null ? "send the failed prompts again once the cause is fixed"
                    : "the failed lines are in " + failedFile + ": once the cause is fixed, run that file (run FILE) "
                    + "or drop it into the inbox");
        }
        return steps;
    }

    private static String fix(String errorType, PropertyNames names) {
        return switch (errorType) {
            case "authentication_error", "invalid_api_key" -> "the API refused the key: set "
                    + names.apiKey() + " to a valid key";
            case "permission_denied" -> "the key may not use this API or model: check the key's project and "
                    + names.apiKey();
            case "insufficient_quota" -> "the account has no credit left: add credit, or set " + names.apiKey()
                    + " to another account's key";
            case "model_not_found" -> "this key cannot use the model: set " + names.of("model")
                    + " (or the lines' \"model\")";
            case "not_found" -> "the base URL does not lead to an OpenAI-compatible API: check "
                    + names.of("base-url");
            case "rate_limited" -> "rate limits held the prompts too long: raise " + names.of("retry.max-rate-limit"
                    + "-wait-ms") + " or lower " + names.of("concurrency");
            case "outage" -> "the API was down longer than " + names.of("retry.max-outage-ms") + ": run them again "
                    + "later";
            case "timeout" -> "answers took longer than " + names.of("timeout.response-ms") + ": raise it";
            case "connection_error" -> "the API cannot be reached: check " + names.of("base-url")
                    + " and the network";
            default -> null;
        };
    }
}
