package com.example.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The latest result of each question, by its id: what the rest of the application would read. */
@Component
public class Answers {

    // the pipeline's results are Jackson 2 JSON (camel-jackson); Boot's own Jackson 3 mapper is not needed here
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, JsonNode> byId = new ConcurrentHashMap<>();

    public void add(@Header("llmCustomId") String id, @Body String result) throws IOException {
        byId.put(id, JSON.readTree(result));
    }

    /** The result of one question: {@code status}, {@code content}, {@code usage}, {@code error}, ... */
    public Optional<JsonNode> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public int size() {
        return byId.size();
    }
}
