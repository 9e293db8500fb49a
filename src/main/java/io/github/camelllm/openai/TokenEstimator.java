package io.github.camelllm.openai;

/**
 * A deliberately cheap prompt-size estimate: characters / 4, rounded up.
 * <p>
 * That is OpenAI's own rule of thumb for English text with its BPE tokenizers; it over-counts code and
 * under-counts CJK text. It only decides real-time vs. batch routing, where being off by 20 % is harmless,
 * and it costs nothing per line (no tokenizer tables to load).
 */
public final class TokenEstimator {

    private TokenEstimator() {
    }

    public static int estimate(CharSequence text) {
        return text == null ? 0 : (text.length() + 3) / 4;
    }
}
