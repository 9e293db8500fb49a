package io.github.camelllm.app;

import io.github.camelllm.config.NearestName;

import java.util.Collection;

/** "did you mean …?" for a misspelt name: the closest of the known ones, when it is close enough. */
final class Suggestions {

    private Suggestions() {
    }

    /** {@code " (did you mean NAME?)"}, or "" when nothing known is close to {@code name}. */
    static String closest(String name, Collection<String> known) {
        String best = NearestName.of(name, known, Math.max(2, name.length() / 3));
        return best != null ? " (did you mean " + best + "?)" : "";
    }
}
