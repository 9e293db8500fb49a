package io.github.camelllm.run;

import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A second process for the ownership tests: takes an {@link OwnerLock} on a file ({@code lock FILE}) or a
 * run's claim ({@code claim WORKROOT INPUT RUNID}), prints {@code held} (or {@code busy} and why) and holds it
 * until its standard input closes.
 */
final class LockHolder implements AutoCloseable {

    private final Process process;
    private final BufferedReader out;

    private LockHolder(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), LockHolder.class.getName()));
        cmd.addAll(List.of(args));
        process = new ProcessBuilder(cmd).redirectError(Redirect.DISCARD).start();
        out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /** A child process that tries to lock {@code file}. */
    static LockHolder lock(Path file) throws IOException {
        return new LockHolder("lock", file.toString());
    }

    /** A child process that tries to claim the run {@code runId} of {@code input}. */
    static LockHolder claim(Path workRoot, Path input, String runId) throws IOException {
        return new LockHolder("claim", workRoot.toString(), input.toString(), runId);
    }

    /** What the child says once it tried: {@code held}, or {@code busy ...}; waits for it. */
    String answer() throws IOException {
        String line = out.readLine();
        return line == null ? "exited with " + exitCode() : line;
    }

    long pid() {
        return process.pid();
    }

    /** Kills the child the hard way, as a crash would. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    private String exitCode() {
        try {
            return process.waitFor(30, TimeUnit.SECONDS) ? Integer.toString(process.exitValue()) : "(still running)";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    /** Lets the child release what it holds and end. */
    @Override
    public void close() throws IOException, InterruptedException {
        process.getOutputStream().close();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    public static void main(String[] args) throws Exception {
        AutoCloseable held;
        if (args[0].equals("lock")) {
            Path file = Path.of(args[1]);
            OwnerLock lock = OwnerLock.tryAcquire(file);
            if (lock == null) {
                System.out.println("busy " + OwnerLock.holderOf(file));
                return;
            }
            held = lock;
        } else {
            try {
                RunClaim claim = RunClaim.take(Path.of(args[1]), Path.of(args[2]), args[3]);
                held = claim::release;
            } catch (RunBusyException busy) {
                System.out.println("busy " + busy.getMessage());
                return;
            }
        }
        System.out.println("held");
        System.out.flush();
        while (System.in.read() >= 0) {
            // held until the parent closes this process's input
        }
        held.close();
    }
}
