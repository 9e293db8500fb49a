package io.github.camelllm.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;

/**
 * The two OS locks a process holds while it works on a file's run: one on the input's path (so a changed file
 * is not started as a second run behind the first one's back) and {@code run.lock} in the run's work folder (so
 * the same content under another path is not run twice).
 */
final class RunClaim {

    final OwnerLock input;
    final OwnerLock run;

    private RunClaim(OwnerLock input, OwnerLock run) {
        this.input = input;
        this.run = run;
    }

    /** @throws RunBusyException another process (or another pipeline in this JVM) holds the input or the run */
    static RunClaim take(Path workRoot, Path file, String runId) throws IOException, RunBusyException {
        Path inputLockFile = workRoot.resolve(".inputs").resolve(pathKey(file) + ".lock");
        OwnerLock input = OwnerLock.tryAcquire(inputLockFile);
        if (input == null) {
            throw new RunBusyException(file + " is being run by another process: " + OwnerLock.holderOf(inputLockFile));
        }
        Path runLockFile = workRoot.resolve(runId).resolve(RunStore.LOCK);
        OwnerLock run;
        try {
            run = OwnerLock.tryAcquire(runLockFile);
        } catch (IOException e) {
            input.close();
            throw e;
        }
        if (run == null) {
            input.close();
            throw new RunBusyException("run " + runId + " of " + file + " is held by another process: "
                    + OwnerLock.holderOf(runLockFile) + " (lock " + runLockFile + ")");
        }
        return new RunClaim(input, run);
    }

    void release() {
        run.close();
        input.close();
    }

    private static String pathKey(Path file) {
        byte[] path = file.toAbsolutePath().normalize().toString().getBytes(StandardCharsets.UTF_8);
        return HexFormat.of().formatHex(InputFiles.sha256().digest(path)).substring(0, 16);
    }
}
