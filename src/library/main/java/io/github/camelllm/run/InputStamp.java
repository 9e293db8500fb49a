package io.github.camelllm.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/** Size and modification time of a file: what tells whether it changed since it was looked at. */
public record InputStamp(long size, long modifiedNanos) {

    public static InputStamp of(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (a.isSymbolicLink()) {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        }
        return new InputStamp(a.size(), a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS));
    }

    /** The stamp now, or null when the file is gone. */
    public static InputStamp current(Path file) {
        try {
            return of(file);
        } catch (IOException e) {
            return null;
        }
    }
}
