package io.github.camelllm.app;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real ActiveMQ Artemis broker as a process of its own, from the distribution the build unpacks into
 * {@code target/artemis} ({@code org.apache.activemq:apache-artemis:zip:bin}): {@link #create} makes a broker
 * instance in a folder (login required, no web console, only the one acceptor on a free loopback port, NIO journal),
 * {@link #start} runs it and returns once it logs "Server is now active", {@link #stop} (SIGTERM) and {@link #kill}
 * (SIGKILL) end it, and {@link #start} starts the same instance again with its persisted messages.
 * <pre>
 *   try (ArtemisDistribution broker = ArtemisDistribution.create(tmp.resolve("broker"), "app", "secret").start()) {
 *       ... broker.url() (tcp://127.0.0.1:PORT), broker.user(), broker.password()
 *   }
 * </pre>
 */
public final class ArtemisDistribution implements AutoCloseable {

    /** Where the build unpacks the distribution (relative to the application module, the tests' folder). */
    public static final Path UNPACKED = Path.of("target", "artemis");

    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private final Path instance;
    private final String user;
    private final String password;
    private final int port;
    private Process process;
    private Path log;

    private ArtemisDistribution(Path instance, String user, String password, int port) {
        this.instance = instance;
        this.user = user;
        this.password = password;
        this.port = port;
    }

    /** The unpacked distribution's home ({@code target/artemis/apache-artemis-VERSION}). */
    public static Path home() throws IOException {
        if (!Files.isDirectory(UNPACKED)) {
            throw new IllegalStateException(UNPACKED.toAbsolutePath() + " is missing: the build unpacks the Artemis "
                    + "distribution there (maven-dependency-plugin, process-test-resources)");
        }
        try (Stream<Path> dirs = Files.list(UNPACKED)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("apache-artemis")).findFirst()
                    .orElseThrow(() -> new IllegalStateException("no apache-artemis-* in " + UNPACKED.toAbsolutePath()))
                    .toAbsolutePath();
        }
    }

    /** Creates a broker instance in {@code instance} (a new folder) on a free loopback port. */
    public static ArtemisDistribution create(Path instance, String user, String password) throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        ArtemisDistribution broker = new ArtemisDistribution(instance.toAbsolutePath(), user, password, port);
        Path home = home();
        List<String> create = List.of("sh", home.resolve("bin/artemis").toString(), "create",
                instance.toAbsolutePath().toString(), "--user", user, "--password", password, "--require-login",
                "--silent", "--no-web", "--host", "127.0.0.1", "--default-port", Integer.toString(port), "--nio",
                "--no-autotune", "--no-amqp-acceptor", "--no-mqtt-acceptor", "--no-stomp-acceptor",
                "--no-hornetq-acceptor");
        Files.createDirectories(instance.toAbsolutePath().getParent());
        Path createLog = instance.toAbsolutePath().resolveSibling(instance.getFileName() + "-create.log");
        Process p = broker.command(create).redirectOutput(createLog.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("artemis create failed: " + Files.readString(createLog));
        }
        return broker;
    }

    /** Runs the instance; returns once the broker is active. */
    public ArtemisDistribution start() throws Exception {
        log = instance.resolve("log").resolve("console-" + System.nanoTime() + ".log");
        Files.createDirectories(log.getParent());
        process = command(List.of("sh", instance.resolve("bin/artemis").toString(), "run"))
                .redirectOutput(log.toFile()).start();
        await().atMost(START_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("the broker ended at start: " + Files.readString(log));
            }
            return Files.readString(log).contains("Server is now active");
        });
        return this;
    }

    private ProcessBuilder command(List<String> cmd) {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        return pb;
    }

    /** Stops the broker as a service manager does (SIGTERM) and waits for it to end. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Kills the broker (SIGKILL): only what its journal holds survives. */
    public void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** {@code tcp://127.0.0.1:PORT} */
    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** The instance folder (etc/, data/, log/). */
    public Path instance() {
        return instance;
    }

    /** The console output of the last start. */
    public Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
