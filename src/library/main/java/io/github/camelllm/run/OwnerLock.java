package io.github.camelllm.run;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * An exclusive OS lock on a file, held for as long as this process works on what the file guards. The kernel
 * drops it when the process dies, so a crashed owner never leaves a stale lock behind (the file itself stays,
 * harmlessly). The file's content names the holder, for "held by" messages.
 */
record OwnerLock(Path file, FileChannel channel, FileLock lock) implements AutoCloseable {

    static final String HOLDER = ManagementFactory.getRuntimeMXBean().getName() + " (pid@host)";

    /**
     * Files this JVM holds for a moment only ({@link #whileFree}): another acquisition here waits for the moment
     * to pass instead of finding the file held. Guarded by itself.
     */
    private static final Set<Path> MOMENTARY = new HashSet<>();

    /**
     * @return the lock, or null when another process (or another pipeline in this JVM) holds it; a momentary
     * hold in this JVM is waited for
     */
    static OwnerLock tryAcquire(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        synchronized (MOMENTARY) {
            awaitNoMomentaryHold(key);
            return acquire(file);
        }
    }

    /**
     * Does {@code action} while holding the lock, for a moment: an acquisition in this JVM meanwhile waits for it
     * to end rather than fail.
     *
     * @return false (and nothing done) when the lock is held, by another process or for longer in this JVM
     */
    static boolean whileFree(Path file, IoAction action) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        OwnerLock lock;
        synchronized (MOMENTARY) {
            awaitNoMomentaryHold(key);
            lock = acquire(file);
            if (lock == null) {
                return false;
            }
            MOMENTARY.add(key);
        }
        try (lock) {
            action.run();
            return true;
        } finally {
            synchronized (MOMENTARY) {
                MOMENTARY.remove(key);
                MOMENTARY.notifyAll();
            }
        }
    }

    /** Work done under a lock. */
    interface IoAction {
        void run() throws IOException;
    }

    private static void awaitNoMomentaryHold(Path key) throws InterruptedIOException {
        try {
            while (MOMENTARY.contains(key)) {
                MOMENTARY.wait();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the lock " + key);
        }
    }

    private static OwnerLock acquire(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldInThisJvm) {
            lock = null;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            return null;
        }
        channel.truncate(0);
        channel.write(ByteBuffer.wrap((HOLDER + " since " + Instant.now() + "\n").getBytes(StandardCharsets.UTF_8)),
                0);
        return new OwnerLock(file, channel, lock);
    }

    /** Who holds the lock of this file, as its holder wrote it (best effort). */
    static String holderOf(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? "another process" : s;
        } catch (IOException | RuntimeException e) {
            return "another process";
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it anyway
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
