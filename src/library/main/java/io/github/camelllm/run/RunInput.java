package io.github.camelllm.run;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The bytes of a run's input exactly as they were hashed: reading stops at the size the run was opened with
 * (lines appended later are not mixed into it), and at the end the bytes read must be that many and have that
 * hash, else the input was truncated or rewritten under the run and reading fails with
 * {@link InputChangedException}.
 */
final class RunInput extends FilterInputStream {

    private final String runId;
    private final String name;
    private final long size;
    private final String sha256;
    private final MessageDigest digest = InputFiles.sha256();
    private long read;
    private boolean verified;

    RunInput(InputStream in, String runId, String name, long size, String sha256) {
        super(in);
        this.runId = runId;
        this.name = name;
        this.size = size;
        this.sha256 = sha256;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (read >= size) {
            verify();
            return -1;
        }
        int n = super.read(b, off, (int) Math.min(len, size - read));
        if (n < 0) {
            verify();
            return -1;
        }
        digest.update(b, off, n);
        read += n;
        return n;
    }

    private void verify() throws InputChangedException {
        if (verified) {
            return;
        }
        verified = true;
        if (read < size) {
            throw new InputChangedException(name + " was truncated while run " + runId + " was reading it: "
                    + read + " of " + size + " bytes are left; the run stops");
        }
        if (!HexFormat.of().formatHex(digest.digest()).equals(sha256)) {
            throw new InputChangedException(name + " was rewritten while run " + runId + " was reading it (its "
                    + "content no longer has the run's hash); the run stops");
        }
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("not supported");
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
