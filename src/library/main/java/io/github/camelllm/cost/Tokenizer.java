package io.github.camelllm.cost;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;

import java.util.Locale;

/**
 * Counts tokens as OpenAI's models do, with their byte-pair encodings (jtokkit): o200k_base for the gpt-4o,
 * gpt-4.1, gpt-5 and o-series families, cl100k_base for gpt-4, gpt-3.5 and the text-embedding-3 models. For any
 * other model the encoding is unknown and the count is characters / 4 (OpenAI's rule of thumb for English), and
 * {@link #encodingOf} says so.
 */
public final class Tokenizer {

    /** What {@link #encodingOf} answers for a model whose encoding is unknown. */
    public static final String CHARS_PER_4 = "characters/4";

    private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

    private final Encoding encoding;

    private Tokenizer(Encoding encoding) {
        this.encoding = encoding;
    }

    /** The tokenizer of a model (characters / 4 when its encoding is unknown). */
    public static Tokenizer of(String model) {
        EncodingType type = typeOf(model);
        return new Tokenizer(type == null ? null : REGISTRY.getEncoding(type));
    }

    /** The encoding's name ({@code o200k_base}, {@code cl100k_base}), or {@value #CHARS_PER_4}. */
    public static String encodingOf(String model) {
        EncodingType type = typeOf(model);
        return type == null ? CHARS_PER_4 : type.getName();
    }

    /** The name of this tokenizer's encoding, or {@value #CHARS_PER_4}. */
    public String encoding() {
        return encoding == null ? CHARS_PER_4 : encoding.getName();
    }

    /** Whether the count is the model's own (false: characters / 4). */
    public boolean exact() {
        return encoding != null;
    }

    /** Tokens of this text (special-token markers in it are counted as plain text, as the API does). */
    public int count(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return encoding == null ? (text.length() + 3) / 4 : encoding.countTokensOrdinary(text);
    }

    private static EncodingType typeOf(String model) {
        if (model == null) {
            return null;
        }
        String m = model.toLowerCase(Locale.ROOT);
        int slash = m.lastIndexOf('/');
        if (slash >= 0) {
            m = m.substring(slash + 1); // "openai/gpt-4o" as routers name it
        }
        if (m.startsWith("gpt-4o") || m.startsWith("chatgpt-4o") || m.startsWith("gpt-4.1") || m.startsWith("gpt-4.5")
                || m.startsWith("gpt-5") || m.matches("^o[1-9](-.*)?$")) {
            return EncodingType.O200K_BASE;
        }
        if (m.startsWith("gpt-4") || m.startsWith("gpt-3.5") || m.startsWith("gpt-35")
                || m.startsWith("text-embedding-3") || m.startsWith("text-embedding-ada-002")) {
            return EncodingType.CL100K_BASE;
        }
        return null;
    }
}
