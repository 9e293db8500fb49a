package io.github.camelllm.run;

/**
 * Remembers which custom_ids a run has seen, at 16 bytes per id whatever the id's length.
 * <p>
 * Holding a million ids as Strings would cost ~80 MB; this keeps a 64-bit hash of each in an open-addressing
 * table. Two different ids share a hash with probability ~n²/2^65 (3e-8 for a million lines), which would
 * report a false duplicate, never lose one.
 */
public final class CustomIdSet {

    private long[] table = new long[1024];
    private int size;
    private boolean hasZero;

    /** Adds the id; false when it was already there. */
    public synchronized boolean add(String id) {
        long h = hash(id);
        if (h == 0) {
            if (hasZero) {
                return false;
            }
            hasZero = true;
            return true;
        }
        if ((size + 1) * 2 > table.length) {
            grow();
        }
        if (!insert(table, h)) {
            return false;
        }
        size++;
        return true;
    }

    private static boolean insert(long[] t, long h) {
        int mask = t.length - 1;
        int i = (int) (h ^ (h >>> 32)) & mask;
        while (t[i] != 0) {
            if (t[i] == h) {
                return false;
            }
            i = (i + 1) & mask;
        }
        t[i] = h;
        return true;
    }

    private void grow() {
        long[] bigger = new long[table.length * 2];
        for (long h : table) {
            if (h != 0) {
                insert(bigger, h);
            }
        }
        table = bigger;
    }

    static long hash(String s) {
        long h = 0xcbf29ce484222325L; // FNV-1a 64 over UTF-16 code units, then a finalising mix
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
