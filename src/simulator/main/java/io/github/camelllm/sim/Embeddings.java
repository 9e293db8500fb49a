package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * {@code POST /v1/embeddings}: one embedding object per input, in input order, each a vector of the requested
 * {@code dimensions} (default 1536) that is a pure function of its input text, so callers can check that every
 * vector belongs to its input. {@code encoding_format: base64} sends the little-endian float32 bytes as base64.
 */
final class Embeddings {

    static final int DEFAULT_DIMENSIONS = 1536;
    /** The largest dimensions the API's embedding models have. */
    static final int MAX_DIMENSIONS = 3072;
    /** The API takes at most this many inputs per request. */
    static final int MAX_INPUTS = 2048;

    private Embeddings() {
    }

    /** The 400 for a JSON object naming a model that is not an embeddings request, or null when it is one. */
    static ChatCompletions.Outcome validate(JsonNode request) {
        JsonNode input = request.get("input");
        boolean text = input != null && input.isTextual() && !input.asText().isEmpty();
        boolean list = input != null && input.isArray() && !input.isEmpty() && input.size() <= MAX_INPUTS;
        if (list) {
            for (JsonNode item : input) {
                list &= (item.isTextual() && !item.asText().isEmpty()) || item.isArray() || item.isIntegralNumber();
            }
        }
        if (!text && !list) {
            return ChatCompletions.invalid("'input' must be a non-empty string or an array of at most " + MAX_INPUTS
                    + " non-empty strings or token arrays", "input");
        }
        JsonNode dimensions = request.get("dimensions");
        if (dimensions != null && (!dimensions.isIntegralNumber() || dimensions.asInt() < 1
                || dimensions.asInt() > MAX_DIMENSIONS)) {
            return ChatCompletions.invalid("'dimensions' must be an integer from 1 to " + MAX_DIMENSIONS,
                    "dimensions");
        }
        JsonNode format = request.get("encoding_format");
        if (format != null && !("float".equals(format.asText()) || "base64".equals(format.asText()))) {
            return ChatCompletions.invalid("'encoding_format' must be 'float' or 'base64'", "encoding_format");
        }
        return null;
    }

    /** The answer to an embeddings request that passed {@link Endpoints#validate}. */
    static ChatCompletions.Outcome answer(JsonNode request) {
        JsonNode input = request.get("input");
        int dimensions = request.path("dimensions").asInt(DEFAULT_DIMENSIONS);
        boolean base64 = "base64".equals(request.path("encoding_format").asText());
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("object", "list");
        ArrayNode data = body.putArray("data");
        long chars = 0;
        if (input.isTextual() || input.isIntegralNumber() && !input.isArray()) {
            chars += add(data, 0, input.asText(), dimensions, base64);
        } else if (input.isArray() && input.get(0).isIntegralNumber()) {
            chars += add(data, 0, input.toString(), dimensions, base64); // one input given as token ids
        } else {
            int index = 0;
            for (JsonNode item : input) {
                chars += add(data, index++, item.isTextual() ? item.asText() : item.toString(), dimensions, base64);
            }
        }
        body.put("model", request.get("model").asText());
        long tokens = Math.max(1, ChatCompletions.tokens((int) Math.min(Integer.MAX_VALUE, chars)));
        ObjectNode usage = body.putObject("usage");
        usage.put("prompt_tokens", tokens);
        usage.put("total_tokens", tokens);
        return new ChatCompletions.Outcome(200, body, -1, false);
    }

    private static int add(ArrayNode data, int index, String text, int dimensions, boolean base64) {
        ObjectNode item = data.addObject();
        item.put("object", "embedding");
        item.put("index", index);
        float[] vector = vector(text, dimensions);
        if (base64) {
            ByteBuffer bytes = ByteBuffer.allocate(vector.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : vector) {
                bytes.putFloat(v);
            }
            item.put("embedding", Base64.getEncoder().encodeToString(bytes.array()));
        } else {
            ArrayNode values = item.putArray("embedding");
            for (float v : vector) {
                values.add(v);
            }
        }
        return text.length();
    }

    /** The vector of a text: unit length, each component a pure function of the text and its position. */
    static float[] vector(String text, int dimensions) {
        long seed = 1125899906842597L;
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            seed = 31 * seed + b;
        }
        float[] v = new float[dimensions];
        double norm = 0;
        long x = seed;
        for (int i = 0; i < dimensions; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            v[i] = (float) ((x >>> 11) * 0x1.0p-53 * 2 - 1);
            norm += v[i] * (double) v[i];
        }
        double scale = norm == 0 ? 1 : 1 / Math.sqrt(norm);
        for (int i = 0; i < dimensions; i++) {
            v[i] = (float) (v[i] * scale);
        }
        return v;
    }
}
