package io.github.camelllm.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.camelllm.PromptRequest;
import io.github.camelllm.PromptResult;
import io.github.camelllm.WorkItems;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/** The two ends of one chat-completions call: preparing an attempt, and reading the answer. */
public final class ChatCalls {

    public static final String REQUEST = "llmRequest";
    public static final String ATTEMPTS = "llmAttempts";
    public static final String FIRST_ATTEMPT_NANOS = "llmFirstAttemptNanos";
    public static final String ROUTE = "llmRoute";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final int maxResponseBytes;
    private final BooleanSupplier stopping;

    /** @param stopping true once shutdown has begun: queued work items are then left for the next start */
    public ChatCalls(int maxResponseBytes, BooleanSupplier stopping) {
        this.maxResponseBytes = maxResponseBytes;
        this.stopping = stopping;
    }

    public static final String REPLY_TO = "llmReplyTo";

    /**
     * Takes a work item off the queue: its prompt (the record itself from seda, or its JSON text from a broker
     * queue) and where its result must go (the llmReplyTo header; this instance's results route by default).
     */
    public void receive(Exchange exchange) {
        Message message = exchange.getMessage();
        exchange.setProperty(REQUEST, request(message.getBody()));
        exchange.setProperty(REPLY_TO, message.getHeader(REPLY_TO, "direct:llm-result", String.class));
        exchange.setProperty("llmStopping", stopping.getAsBoolean());
    }

    PromptRequest request(Object body) {
        if (body instanceof PromptRequest request) {
            return request;
        }
        if (body instanceof String json) {
            return WorkItems.requestFromJson(json);
        }
        throw new IllegalArgumentException("expected a prompt work item, got " + (body == null ? "nothing" : body.getClass()));
    }

    /** Runs before every attempt (retries included): counts it and puts the request body on the message. */
    public void prepareAttempt(Exchange exchange) {
        PromptRequest request = exchange.getProperty(REQUEST, PromptRequest.class);
        int attempts = exchange.getProperty(ATTEMPTS, 0, Integer.class) + 1;
        exchange.setProperty(ATTEMPTS, attempts);
        if (attempts == 1) {
            exchange.setProperty(FIRST_ATTEMPT_NANOS, System.nanoTime());
        }
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(request.body());
    }

    /** Maps a 2xx answer to an ok result; anything that is not a chat completion is an invalid response. */
    public PromptResult toResult(Exchange exchange) throws InvalidResponseException, IOException {
        PromptRequest request = exchange.getProperty(REQUEST, PromptRequest.class);
        byte[] body = readCapped(exchange.getMessage().getBody(InputStream.class), maxResponseBytes);
        JsonNode node;
        try {
            node = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new InvalidResponseException("response is not JSON (starts with: " + preview(body) + ")");
        }
        if (node == null || !node.isObject()) {
            throw new InvalidResponseException("response is not a JSON object (starts with: " + preview(body) + ")");
        }
        JsonNode choices = node.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) {
            throw new InvalidResponseException("response has no \"choices\" (starts with: " + preview(body) + ")");
        }
        JsonNode first = choices.get(0);
        JsonNode content = first.path("message").get("content");
        return new PromptResult(request.runId(), request.customId(), request.line(), PromptResult.OK, "realtime",
                content == null || content.isNull() ? null : content.asText(), textOrNull(first.get("finish_reason")),
                usage(node.get("usage")), attempts(exchange), latencyMs(exchange), null, null);
    }

    static PromptResult.Usage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        long prompt = usage.path("prompt_tokens").asLong();
        long completion = usage.path("completion_tokens").asLong();
        return new PromptResult.Usage(prompt, completion, usage.path("total_tokens").asLong(prompt + completion));
    }

    static int attempts(Exchange exchange) {
        return exchange.getProperty(ATTEMPTS, 1, Integer.class);
    }

    static long latencyMs(Exchange exchange) {
        Long start = exchange.getProperty(FIRST_ATTEMPT_NANOS, Long.class);
        return start == null ? 0 : (System.nanoTime() - start) / 1_000_000;
    }

    private static String textOrNull(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    static byte[] readCapped(InputStream in, int maxBytes) throws IOException, InvalidResponseException {
        if (in == null) {
            return new byte[0];
        }
        try (in) {
            byte[] body = in.readNBytes(maxBytes + 1); // one read up to the cap, no second copy
            if (body.length > maxBytes) {
                throw new InvalidResponseException("response is larger than llm.response.max-bytes=" + maxBytes);
            }
            return body;
        }
    }

    private static String preview(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 80), StandardCharsets.UTF_8).replaceAll("\\s+", " ");
        return body.length == 0 ? "<empty body>" : "'" + s + (body.length > 80 ? "…'" : "'");
    }
}
