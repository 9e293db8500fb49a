package io.github.camelllm.openai;

import io.github.camelllm.model.PromptRequest;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deliberately cheap token estimates: characters / 4, rounded up.
 * <p>
 * That is OpenAI's own rule of thumb for English text with its BPE tokenizers; it over-counts code and
 * under-counts CJK text. It decides real-time vs. batch routing, where being off by 20 % is harmless, and it
 * is what the provider's rate limiter itself charges before a call: max({@code max_tokens}, characters / 4).
 * A real tokenizer would be for cost, not for pacing.
 */
public final class TokenEstimator {

    private static final Pattern MAX_TOKENS = Pattern.compile("\"max(?:_completion|_output)?_tokens\"\\s*:\\s*(\\d{1,9})");

    private TokenEstimator() {
    }

    public static int estimate(CharSequence text) {
        return text == null ? 0 : estimate(text.length());
    }

    /** The estimate for this many characters. */
    public static int estimate(int characters) {
        return (characters + 3) / 4;
    }

    /**
     * What a request costs in the provider's tokens-per-minute bucket: its output budget (max_tokens,
     * max_completion_tokens or max_output_tokens; embeddings and moderations have none and count their input
     * only) or its characters / 4, whichever is larger.
     */
    public static double rateLimitCost(PromptRequest request) {
        int maxTokens = 0;
        if (request.body() != null) {
            Matcher m = MAX_TOKENS.matcher(request.body());
            while (m.find()) {
                maxTokens = Math.max(maxTokens, Integer.parseInt(m.group(1)));
            }
        }
        // the whole request's characters, not only the prompt's: a little high, which is the safe side for
        // pacing (the level learned from every answer corrects it), where being low means 429s
        int characters = request.body() == null ? 0 : estimate(request.body());
        return Math.max(1, Math.max(maxTokens, Math.max(characters, request.estimatedTokens())));
    }
}
