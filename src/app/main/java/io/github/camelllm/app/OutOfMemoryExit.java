package io.github.camelllm.app;

import java.lang.management.ManagementFactory;

/**
 * An OutOfMemoryError ends the process instead of leaving it half alive (threads dead, the garbage collector
 * spinning at full CPU). The launcher script starts the JVM with {@code -XX:+ExitOnOutOfMemoryError}, which the
 * JVM honours wherever the error is thrown; a JVM started without it (plain {@code java -jar}) still ends when the
 * error escapes a thread: it is said on standard error and the process halts with exit 3, resumable as any stop.
 */
final class OutOfMemoryExit {

    private OutOfMemoryExit() {
    }

    static void install() {
        if (ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .anyMatch(a -> a.contains("ExitOnOutOfMemoryError") || a.contains("CrashOnOutOfMemoryError"))) {
            return; // the JVM ends itself
        }
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
            if (e instanceof OutOfMemoryError) {
                System.err.println("out of memory in thread " + thread.getName() + ": stopping now (the next start "
                        + "resumes from the journals). Give the JVM more heap (-Xmx) or lower llm.realtime.queue-size");
                System.err.flush();
                Runtime.getRuntime().halt(Launcher.STOPPED);
            }
            if (previous != null) {
                previous.uncaughtException(thread, e);
            } else {
                e.printStackTrace();
            }
        });
    }
}
