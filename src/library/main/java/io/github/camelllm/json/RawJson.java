package io.github.camelllm.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;

import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON values copied token by token: numbers exactly as written (an embedding's floats are never re-formatted),
 * whitespace dropped (an answer pretty-printed by the API still fits on one line of a JSONL file).
 */
public final class RawJson {

    private static final JsonFactory FACTORY = Jackson.MAPPER.getFactory();

    private RawJson() {
    }

    /** The value the parser is at (its first token), as compact JSON; the parser is left at its last token. */
    public static String copy(JsonParser p) throws IOException {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            copy(p, g);
        }
        return out.toString();
    }

    /** Copies the value the parser is at to {@code g}; the parser is left at its last token. */
    public static void copy(JsonParser p, JsonGenerator g) throws IOException {
        int depth = 0;
        while (true) {
            JsonToken t = p.currentToken();
            if (t == null) {
                throw new IOException("the JSON ended inside a value");
            }
            switch (t) {
                case START_OBJECT -> {
                    g.writeStartObject();
                    depth++;
                }
                case START_ARRAY -> {
                    g.writeStartArray();
                    depth++;
                }
                case END_OBJECT -> {
                    g.writeEndObject();
                    depth--;
                }
                case END_ARRAY -> {
                    g.writeEndArray();
                    depth--;
                }
                case FIELD_NAME -> g.writeFieldName(p.currentName());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getText());
                case VALUE_STRING -> g.writeString(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                case VALUE_TRUE -> g.writeBoolean(true);
                case VALUE_FALSE -> g.writeBoolean(false);
                case VALUE_NULL -> g.writeNull();
                default -> g.copyCurrentEvent(p);
            }
            if (depth == 0) {
                return;
            }
            p.nextToken();
        }
    }

    /**
     * Every value at {@code path} in a JSON document, each copied exactly; a path element is a field name, an
     * array index, or {@code *} for every element of an array.
     */
    public static List<String> find(byte[] json, String... path) throws IOException {
        List<String> found = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != null) {
                walk(p, path, 0, found);
            }
        }
        return found;
    }

    /** The first value at {@code path}, or null (also for a JSON null). */
    public static String first(byte[] json, String... path) throws IOException {
        List<String> found = find(json, path);
        return found.isEmpty() || "null".equals(found.get(0)) ? null : found.get(0);
    }

    /** A whole document, compact, numbers as written. */
    public static String compact(byte[] json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() == null) {
                throw new IOException("no JSON value");
            }
            return copy(p);
        }
    }

    private static void walk(JsonParser p, String[] path, int i, List<String> found) throws IOException {
        if (i == path.length) {
            found.add(copy(p));
            return;
        }
        String step = path[i];
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                if (name.equals(step)) {
                    walk(p, path, i + 1, found);
                } else {
                    p.skipChildren();
                }
            }
        } else if (t == JsonToken.START_ARRAY) {
            int index = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (step.equals("*") || step.equals(Integer.toString(index))) {
                    walk(p, path, i + 1, found);
                } else {
                    p.skipChildren();
                }
                index++;
            }
        } else {
            p.skipChildren();
        }
    }

    /** Reads a value of any type into its exact JSON text (for fields written with {@code @JsonRawValue}). */
    public static final class Deserializer extends JsonDeserializer<String> {
        @Override
        public String deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return copy(p);
        }
    }
}
