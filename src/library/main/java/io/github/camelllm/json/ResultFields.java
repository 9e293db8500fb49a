package io.github.camelllm.json;

import com.fasterxml.jackson.annotation.JsonRawValue;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;

import java.lang.reflect.RecordComponent;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The JSON fields of a result line by what they hold, taken from the record that writes them (its JSON names as
 * Jackson writes them, and which components are marked {@link ResultJson.Payload}): so a reader that passes over
 * the answer names no field of its own.
 */
final class ResultFields {

    /** The fields that are not the answer, by JSON name. */
    private final Set<String> bookkeeping;
    /** The answer's fields that hold a text (the others hold JSON as the API sent it). */
    private final Set<String> texts;

    private ResultFields(Set<String> bookkeeping, Set<String> texts) {
        this.bookkeeping = Set.copyOf(bookkeeping);
        this.texts = Set.copyOf(texts);
    }

    static ResultFields of(Class<? extends Record> type) {
        Map<String, String> jsonNames = new HashMap<>();
        for (BeanPropertyDefinition p : Jackson.MAPPER.getSerializationConfig()
                .introspect(Jackson.MAPPER.constructType(type)).findProperties()) {
            jsonNames.put(p.getInternalName(), p.getName());
        }
        Set<String> bookkeeping = new HashSet<>();
        Set<String> texts = new HashSet<>();
        for (RecordComponent c : type.getRecordComponents()) {
            String name = jsonNames.get(c.getName());
            if (name == null) {
                throw new IllegalStateException("Jackson writes no field for " + type.getSimpleName() + "."
                        + c.getName());
            }
            if (!c.isAnnotationPresent(ResultJson.Payload.class)) {
                bookkeeping.add(name);
            } else if (!c.getAccessor().isAnnotationPresent(JsonRawValue.class)) {
                texts.add(name);
            }
        }
        return new ResultFields(bookkeeping, texts);
    }

    /** Whether a field is part of the line's bookkeeping (not the answer, and known to this version). */
    boolean bookkeeping(String jsonName) {
        return bookkeeping.contains(jsonName);
    }

    /** Whether a field is a text of the answer: a string (or a number read as one), never an object or a list. */
    boolean text(String jsonName) {
        return texts.contains(jsonName);
    }
}
