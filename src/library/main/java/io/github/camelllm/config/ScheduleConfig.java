package io.github.camelllm.config;

import java.nio.file.Path;

/**
 * Scheduled runs.
 *
 * @param cron        Quartz cron expression; "" = no scheduled runs
 * @param folder      folder whose prompt files every firing runs again
 * @param keepOutputs dated output sets kept per scheduled file
 */
public record ScheduleConfig(String cron, Path folder, int keepOutputs) {

    public boolean enabled() {
        return !cron.isEmpty();
    }
}
