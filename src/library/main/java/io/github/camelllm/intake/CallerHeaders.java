package io.github.camelllm.intake;

import org.apache.camel.Message;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which of a sender's message headers come back with its results ({@code llm.input.caller-headers}): a list of
 * header names or wildcards ({@code *} for any characters), case-insensitive, read in order, the first entry that
 * matches deciding; an entry starting with {@code !} keeps the header out. A header no entry matches stays out.
 * Only text, numbers and booleans come back (they are persisted with the message, so they come back after a
 * restart too).
 */
public final class CallerHeaders {

    private record Rule(Pattern pattern, boolean keep) {
    }

    private final List<Rule> rules = new ArrayList<>();

    /** @param list the setting's value, e.g. {@code JMSCorrelationID,!Camel*,!JMS*,!Authorization,*} */
    public CallerHeaders(String list) {
        for (String entry : list.split(",")) {
            String e = entry.trim();
            if (e.isEmpty()) {
                continue;
            }
            boolean keep = !e.startsWith("!");
            String name = keep ? e : e.substring(1).trim();
            List<String> literal = new ArrayList<>();
            for (String part : name.toLowerCase(Locale.ROOT).split("\\*", -1)) {
                literal.add(Pattern.quote(part));
            }
            String regex = String.join(".*", literal);
            rules.add(new Rule(Pattern.compile(regex), keep));
        }
    }

    /** Whether a header of this name comes back. */
    public boolean keeps(String header) {
        String name = header.toLowerCase(Locale.ROOT);
        for (Rule rule : rules) {
            if (rule.pattern().matcher(name).matches()) {
                return rule.keep();
            }
        }
        return false;
    }

    /** The headers of a message that come back with its results, in their order. */
    public Map<String, Object> of(Message message) {
        Map<String, Object> kept = new LinkedHashMap<>();
        message.getHeaders().forEach((name, value) -> {
            if (keeps(name) && (value instanceof CharSequence || value instanceof Number || value instanceof Boolean
                    || value instanceof Character)) {
                kept.put(name, value instanceof Number || value instanceof Boolean ? value : value.toString());
            }
        });
        return kept;
    }
}
