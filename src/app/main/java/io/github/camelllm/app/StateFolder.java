package io.github.camelllm.app;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where {@code run FILE} keeps its runs when neither {@code llm.work-dir} nor an absolute {@code llm.outbox} says:
 * the user's own state folder, the same from whatever directory the command is started, so running a file again
 * from elsewhere resumes it (or writes its outputs again) instead of paying for it a second time.
 * <ul>
 *   <li>{@code $XDG_STATE_HOME/camel-llm-pipeline/work} when that variable is set,</li>
 *   <li>{@code %LOCALAPPDATA%\camel-llm-pipeline\work} on Windows,</li>
 *   <li>else {@code ~/.local/state/camel-llm-pipeline/work}.</li>
 * </ul>
 */
final class StateFolder {

    static final String APPLICATION = "camel-llm-pipeline";

    private StateFolder() {
    }

    /**
     * The work folder of {@code run FILE} in the user's state folder, or null when there is no home to put it in
     * (then the work folder stays next to the outbox).
     */
    static Path work(Map<String, String> env) {
        try {
            Path base = base(env);
            if (base == null) {
                return null;
            }
            Path work = base.resolve(APPLICATION).resolve("work").toAbsolutePath().normalize();
            Path existing = work;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            return existing != null && Files.isWritable(existing) ? work : null;
        } catch (InvalidPathException | SecurityException e) {
            return null;
        }
    }

    private static Path base(Map<String, String> env) {
        String xdg = env.get("XDG_STATE_HOME");
        if (xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()) {
            return Path.of(xdg);
        }
        String localAppData = env.get("LOCALAPPDATA");
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        if (windows && localAppData != null && !localAppData.isBlank()) {
            return Path.of(localAppData);
        }
        String home = System.getProperty("user.home");
        if (home == null || home.isBlank() || home.equals("?")) {
            return null;
        }
        return Path.of(home, ".local", "state");
    }
}
