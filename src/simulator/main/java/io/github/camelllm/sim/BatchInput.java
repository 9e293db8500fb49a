package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A batch input file parsed and validated the way OpenAI does it while a batch is "validating":
 * every line a JSON object with a unique custom_id, method POST, the batch's url and a body.
 *
 * @param lines  the valid request lines (all of them when {@code errors} is empty)
 * @param errors BatchError objects (code, message, param, line); empty when the file is valid
 */
record BatchInput(List<Line> lines, List<ObjectNode> errors) {
    /** Cap like OpenAI: a broken file reports its first problems, not a million. */
    private static final int MAX_ERRORS = 100;

    record Line(String customId, JsonNode body) {
    }

    static BatchInput parse(byte[] content, String endpoint) {
        List<Line> lines = new ArrayList<>();
        List<ObjectNode> errors = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(new ByteArrayInputStream(content), StandardCharsets.UTF_8))) {
            String text;
            int lineNo = 0;
            while ((text = reader.readLine()) != null && errors.size() < MAX_ERRORS) {
                lineNo++;
                if (text.isBlank()) {
                    continue;
                }
                validate(text, endpoint, seen, lines, lineNo, errors);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (lines.isEmpty() && errors.isEmpty()) {
            errors.add(error("empty_file", "The input file is empty.", null, null));
        }
        return new BatchInput(lines, errors);
    }

    boolean valid() {
        return errors.isEmpty();
    }

    /** Adds the line to {@code lines} when valid, else its problem to {@code errors}. */
    private static void validate(String text, String endpoint, Set<String> seen, List<Line> lines,
                                   int lineNo, List<ObjectNode> errors) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(text);
        } catch (IOException e) {
            errors.add(error("invalid_json_line", "This line is not parseable as valid JSON.", null, lineNo));
            return;
        }
        if (node == null || !node.isObject()) {
            errors.add(error("invalid_json_line", "This line is not a JSON object.", null, lineNo));
            return;
        }
        JsonNode customId = node.get("custom_id");
        if (customId == null || !customId.isTextual() || customId.asText().isEmpty()) {
            errors.add(error("missing_required_parameter", "Missing required parameter: 'custom_id'.", "custom_id", lineNo));
            return;
        }
        if (!seen.add(customId.asText())) {
            errors.add(error("duplicate_custom_id", "The custom_id for this request is a duplicate of another request. "
                    + "The custom_id parameter must be unique for each request in a batch.", "custom_id", lineNo));
            return;
        }
        JsonNode method = node.get("method");
        if (method == null || !"POST".equals(method.asText())) {
            errors.add(error("invalid_method", "The method must be 'POST'.", "method", lineNo));
            return;
        }
        JsonNode url = node.get("url");
        if (url == null || !endpoint.equals(url.asText())) {
            errors.add(error("mismatched_endpoint", "The provided url '" + (url == null ? "" : url.asText())
                    + "' does not match the batch endpoint '" + endpoint + "'.", "url", lineNo));
            return;
        }
        JsonNode body = node.get("body");
        if (body == null || !body.isObject()) {
            errors.add(error("missing_required_parameter", "Missing required parameter: 'body'.", "body", lineNo));
            return;
        }
        lines.add(new Line(customId.asText(), body));
    }

    static ObjectNode error(String code, String message, String param, Integer line) {
        ObjectNode error = Json.MAPPER.createObjectNode();
        error.put("code", code);
        error.put("message", message);
        error.put("param", param);
        if (line == null) {
            error.putNull("line");
        } else {
            error.put("line", line);
        }
        return error;
    }

    static ObjectNode errorList(List<ObjectNode> errors) {
        ObjectNode list = Json.MAPPER.createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        errors.forEach(data::add);
        return list;
    }
}
