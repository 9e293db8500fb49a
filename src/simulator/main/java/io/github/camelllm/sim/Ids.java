package io.github.camelllm.sim;

import java.util.concurrent.ThreadLocalRandom;

/** Random object ids in OpenAI's style ("chatcmpl-…", "file-…", "batch_…"). */
final class Ids {
    private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private Ids() {
    }

    static String next(String prefix) {
        return next(prefix, 24);
    }

    static String next(String prefix, int length) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = ALPHABET[random.nextInt(ALPHABET.length)];
        }
        return prefix + new String(chars);
    }
}
