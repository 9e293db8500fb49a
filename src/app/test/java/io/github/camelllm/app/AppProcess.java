package io.github.camelllm.app;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The command line as a user runs it: {@code java ... Launcher ARGS} in a child JVM, in a directory of the test's,
 * with an environment of the test's (no LLM_* or OPENAI_* variable of the machine), standard output and standard
 * error apart.
 */
final class AppProcess {

    /** What a finished command left behind. */
    record Result(int exit, String out, String err, long millis) {
        String both() {
            return out + err;
        }
    }

    private final Path directory;
    private final Map<String, String> env = new HashMap<>();
    private final List<String> jvmArgs = new ArrayList<>();

    AppProcess(Path directory) {
        this.directory = directory;
    }

    AppProcess env(String name, String value) {
        env.put(name, value);
        return this;
    }

    AppProcess jvm(String... args) {
        jvmArgs.addAll(List.of(args));
        return this;
    }

    /** Starts the command; its streams are read as it runs. */
    Running start(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.addAll(jvmArgs);
        cmd.add(Launcher.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(directory.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("LLM_") || k.startsWith("OPENAI_"));
        pb.environment().put("XDG_STATE_HOME", directory.resolve("state").toAbsolutePath().toString());
        pb.environment().putAll(env);
        return new Running(pb.start());
    }

    /** Runs the command to its end (at most a minute). */
    Result run(String... args) throws IOException, InterruptedException {
        return start(args).await(60);
    }

    /** A command that runs. */
    static final class Running {
        final Process process;
        final long startedNanos = System.nanoTime();
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteArrayOutputStream err = new ByteArrayOutputStream();
        private final Thread outReader;
        private final Thread errReader;

        Running(Process process) {
            this.process = process;
            this.outReader = copy(process.getInputStream(), out);
            this.errReader = copy(process.getErrorStream(), err);
        }

        /** What it wrote to standard error so far. */
        String errSoFar() {
            synchronized (err) {
                return err.toString(StandardCharsets.UTF_8);
            }
        }

        Result await(long seconds) throws InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the command did not end within " + seconds + " s; stderr:\n" + errSoFar());
            }
            long millis = (System.nanoTime() - startedNanos) / 1_000_000;
            outReader.join(10_000);
            errReader.join(10_000);
            synchronized (out) {
                synchronized (err) {
                    return new Result(process.exitValue(), out.toString(StandardCharsets.UTF_8),
                            err.toString(StandardCharsets.UTF_8), millis);
                }
            }
        }

        private static Thread copy(InputStream from, ByteArrayOutputStream to) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[8192];
                try (from) {
                    for (int n; (n = from.read(buffer)) > 0; ) {
                        synchronized (to) {
                            to.write(buffer, 0, n);
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, "child-output");
            t.setDaemon(true);
            t.start();
            return t;
        }
    }
}
