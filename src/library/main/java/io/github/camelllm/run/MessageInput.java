package io.github.camelllm.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.github.camelllm.json.Jackson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A prompt message as the pipeline accepted it, persisted in its run's work folder ({@code message.json}) before
 * the message is acknowledged, so that a restart finds it and runs it to the end: the body, the message's own
 * id, how the body is read, whether its sender waits for the answer, and the sender's headers that come back
 * with the results.
 *
 * @param messageId    the message's id (JMSMessageID over JMS, the header llmMessageId when the sender sets one):
 *                     the custom_id of a single prompt that names none, and with the body what makes a redelivered
 *                     message the same run
 * @param kind         how the body is read
 * @param body         the message body as text
 * @param customId     the custom_id of a text prompt (the header llmCustomId, else the message id)
 * @param requestReply the sender waits for the answer (an InOut exchange)
 * @param headers      the sender's headers that come back with every result (text, numbers and booleans only)
 * @param acceptedAtMs when the message was accepted
 */
public record MessageInput(@JsonProperty("message_id") String messageId, Kind kind, String body,
                           @JsonProperty("custom_id") String customId,
                           @JsonProperty("request_reply") boolean requestReply, Map<String, Object> headers,
                           @JsonProperty("accepted_at_ms") long acceptedAtMs) {

    /** The file of a message run's work folder that holds the accepted message. */
    public static final String FILE = "message.json";

    /** How a message body is read. */
    public enum Kind {
        /** The whole body is one prompt, as text. */
        TEXT,
        /** The body is one JSON object in either input shape. */
        OBJECT,
        /** The body is JSONL: one prompt line per line. */
        JSONL
    }

    public MessageInput {
        headers = headers == null ? Map.of() : Map.copyOf(new LinkedHashMap<>(headers));
    }

    /** How the run reads its lines: a text prompt, else JSON lines. */
    Run.Format format() {
        return kind == Kind.TEXT ? Run.Format.TEXT : Run.Format.JSONL;
    }

    /**
     * The run of this message: the same id for the same message id and body (a broker's redelivery of a message
     * accepted before), another for anything else.
     */
    public String runId() {
        var sha = InputFiles.sha256();
        sha.update(messageId.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(body.getBytes(StandardCharsets.UTF_8));
        return "msg-" + HexFormat.of().formatHex(sha.digest()).substring(0, 32);
    }

    /** Writes the message into its work folder in one step (write, then move); forced to the disk with fsync. */
    void save(Path workDir, boolean fsync) throws IOException {
        Files.createDirectories(workDir);
        byte[] json = Jackson.MAPPER.writeValueAsBytes(this);
        AtomicFiles.write(workDir.resolve(FILE), tmp -> {
            try (var channel = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
                var buffer = java.nio.ByteBuffer.wrap(json);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                if (fsync) {
                    channel.force(true);
                }
            }
        });
    }

    /** The message a work folder holds, or null when it holds none (a file run's folder). */
    static MessageInput read(Path workDir) throws IOException {
        Path file = workDir.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        return Jackson.MAPPER.readValue(file.toFile(), MessageInput.class);
    }
}
