package com.example.assistant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An OpenAI-compatible chat-completions server on loopback, made with the JDK's own HTTP server: each call is
 * answered "answer to: QUESTION", and every question and Authorization header it received is kept for the test.
 */
final class FakeOpenAi implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final List<String> questions = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    FakeOpenAi() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", this::chat);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    private void chat(HttpExchange call) throws IOException {
        try (call) {
            if (!"POST".equals(call.getRequestMethod())) {
                send(call, 405, "{\"error\":{\"message\":\"POST only\",\"type\":\"invalid_request_error\"}}");
                return;
            }
            JsonNode request = JSON.readTree(call.getRequestBody());
            JsonNode messages = request.path("messages");
            String question = messages.get(messages.size() - 1).path("content").asText();
            authorizations.add(String.valueOf(call.getRequestHeaders().getFirst("Authorization")));
            questions.add(question);

            ObjectNode answer = JSON.createObjectNode();
            answer.put("id", "chatcmpl-" + questions.size());
            answer.put("object", "chat.completion");
            answer.put("created", System.currentTimeMillis() / 1000);
            answer.put("model", request.path("model").asText());
            ObjectNode choice = answer.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", "answer to: " + question);
            choice.put("finish_reason", "stop");
            answer.putObject("usage").put("prompt_tokens", 9).put("completion_tokens", 4).put("total_tokens", 13);
            send(call, 200, JSON.writeValueAsString(answer));
        }
    }

    private static void send(HttpExchange call, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        call.getResponseHeaders().set("Content-Type", "application/json");
        call.sendResponseHeaders(status, bytes.length);
        call.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
