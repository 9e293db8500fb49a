package io.github.camelllm.config;

import io.github.camelllm.config.Settings.ConfigException;

/**
 * Checks a cron expression with Quartz, which runs the scheduled runs. Quartz (camel-quartz) is optional for a
 * host application: only a pipeline with a schedule needs it, and that one is told so at start.
 */
final class QuartzCron {

    private QuartzCron() {
    }

    static boolean isValid(String expression) {
        try {
            Class.forName("org.quartz.CronExpression", false, QuartzCron.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ConfigException("a schedule (llm.schedule.cron) needs camel-quartz on the classpath: add the "
                    + "dependency org.apache.camel:camel-quartz");
        }
        return org.quartz.CronExpression.isValidExpression(expression);
    }
}
