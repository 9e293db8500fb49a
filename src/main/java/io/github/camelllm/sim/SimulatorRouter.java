package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.multipart.Attribute;
import io.netty.handler.codec.http.multipart.DefaultHttpDataFactory;
import io.netty.handler.codec.http.multipart.FileUpload;
import io.netty.handler.codec.http.multipart.HttpPostRequestDecoder;
import io.netty.handler.codec.http.multipart.InterfaceHttpData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Maps one HTTP request to a {@link SimResponse}. Runs on the event loop: everything here is quick
 * and non-blocking; waiting (latency) is expressed as {@link SimResponse#delayMs()} and done by the
 * channel handler with a scheduled task.
 */
final class SimulatorRouter {
    private static final String JSONL = "application/jsonl";

    private final SimulatorConfig config;
    private final SimulatorStats stats;
    private final FileStore files;
    private final BatchService batches;
    private final String expectedAuthorization;

    SimulatorRouter(SimulatorConfig config, SimulatorStats stats, FileStore files, BatchService batches) {
        this.config = config;
        this.stats = stats;
        this.files = files;
        this.batches = batches;
        this.expectedAuthorization = config.requiredApiKey() == null ? null : "Bearer " + config.requiredApiKey();
    }

    SimResponse route(FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        HttpMethod method = request.method();
        if (path.equals("/health")) {
            return SimResponse.json(200, "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII));
        }
        if (path.equals("/sim/stats")) {
            ObjectNode json = stats.toJson();
            json.put("files", files.size());
            json.put("batches", batches.size());
            return SimResponse.json(200, Json.bytes(json));
        }
        if (!path.startsWith("/v1/")) {
            return invalidUrl(method, path);
        }
        if (expectedAuthorization != null
                && !expectedAuthorization.equals(request.headers().get(HttpHeaderNames.AUTHORIZATION))) {
            return OpenAiErrors.unauthorized();
        }
        String[] parts = path.substring(1).split("/");
        // parts[0] is "v1"
        String resource = parts.length > 1 ? parts[1] : "";
        if (method.equals(HttpMethod.POST) && path.equals("/v1/chat/completions")) {
            return chatCompletion(request);
        }
        if (resource.equals("files")) {
            return files(method, parts, request, uri);
        }
        if (resource.equals("batches")) {
            return batches(method, parts, request, uri);
        }
        return invalidUrl(method, path);
    }

    private SimResponse chatCompletion(FullHttpRequest request) {
        JsonNode body;
        try {
            body = readJson(request);
        } catch (IOException e) {
            return OpenAiErrors.invalidRequest("We could not parse the JSON body of your request. (HINT: This likely means "
                    + "you aren't using your HTTP library correctly.)", null);
        }
        ChatCompletions.Outcome outcome = ChatCompletions.answer(body);
        if (outcome.hang()) {
            return SimResponse.hanging();
        }
        long latency = outcome.latencyOverride() >= 0 ? outcome.latencyOverride() : drawLatency();
        if (outcome.status() != 200) {
            // An invalid body, or a status forced by a test marker (answered after the latency).
            SimResponse forced = SimResponse.json(outcome.status(), Json.bytes(outcome.body())).delayed(latency);
            return outcome.status() == 429 ? withRetryAfter(forced) : forced;
        }
        double draw = ThreadLocalRandom.current().nextDouble();
        if (draw < config.rate429()) {
            // Real rate limiting rejects before doing any work, so no latency here.
            return OpenAiErrors.rateLimited(config.retryAfterSeconds());
        }
        if (draw < config.rate429() + config.rate500()) {
            return OpenAiErrors.serverError().delayed(latency);
        }
        if (draw < config.rate429() + config.rate500() + config.rateHang()) {
            return SimResponse.hanging();
        }
        return SimResponse.json(200, Json.bytes(outcome.body())).delayed(latency);
    }

    private SimResponse withRetryAfter(SimResponse response) {
        SimResponse limited = OpenAiErrors.rateLimited(config.retryAfterSeconds());
        SimResponse result = response;
        for (var header : limited.headers().entrySet()) {
            result = result.withHeader(header.getKey(), header.getValue());
        }
        return result;
    }

    private long drawLatency() {
        long jitter = config.jitterMs() > 0 ? ThreadLocalRandom.current().nextLong(config.jitterMs() + 1) : 0;
        return config.latencyMs() + jitter;
    }

    private SimResponse files(HttpMethod method, String[] parts, FullHttpRequest request, QueryStringDecoder uri) {
        if (parts.length == 2) {
            if (method.equals(HttpMethod.POST)) {
                return upload(request);
            }
            if (method.equals(HttpMethod.GET)) {
                return SimResponse.json(200, Json.bytes(files.list(firstParam(uri, "purpose"))));
            }
        } else if (parts.length == 3 || (parts.length == 4 && parts[3].equals("content"))) {
            FileStore.StoredFile file = files.get(parts[2]);
            if (file == null) {
                return OpenAiErrors.notFound("No such File object: " + parts[2]);
            }
            if (parts.length == 4 && method.equals(HttpMethod.GET)) {
                return SimResponse.bytes(file.filename().endsWith(".jsonl") ? JSONL : "application/octet-stream",
                        file.content());
            }
            if (parts.length == 3 && method.equals(HttpMethod.GET)) {
                return SimResponse.json(200, Json.bytes(file.toJson()));
            }
            if (parts.length == 3 && method.equals(HttpMethod.DELETE)) {
                files.remove(file.id());
                ObjectNode deleted = Json.MAPPER.createObjectNode();
                deleted.put("id", file.id());
                deleted.put("object", "file");
                deleted.put("deleted", true);
                return SimResponse.json(200, Json.bytes(deleted));
            }
        }
        return invalidUrl(method, uri.path());
    }

    private SimResponse upload(FullHttpRequest request) {
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
        if (!contentType.toLowerCase().startsWith("multipart/form-data")) {
            return OpenAiErrors.invalidRequest("Expected a multipart/form-data body with 'file' and 'purpose'.", null);
        }
        // Memory-backed factory: uploads are kept in memory anyway; nothing ever touches the disk.
        HttpPostRequestDecoder decoder = new HttpPostRequestDecoder(new DefaultHttpDataFactory(false), request);
        try {
            String purpose = null;
            FileUpload upload = null;
            List<InterfaceHttpData> fields = decoder.getBodyHttpDatas();
            for (InterfaceHttpData field : fields) {
                if (field instanceof FileUpload fileUpload && "file".equals(field.getName())) {
                    upload = fileUpload;
                } else if (field instanceof Attribute attribute && "purpose".equals(field.getName())) {
                    purpose = attribute.getValue();
                }
            }
            if (purpose == null || purpose.isBlank()) {
                return OpenAiErrors.invalidRequest("Missing required parameter: 'purpose'.", "purpose");
            }
            if (upload == null) {
                return OpenAiErrors.invalidRequest("Missing required parameter: 'file'.", "file");
            }
            FileStore.StoredFile stored = files.put(upload.get(), upload.getFilename(), purpose);
            return SimResponse.json(200, Json.bytes(stored.toJson()));
        } catch (IOException | HttpPostRequestDecoder.ErrorDataDecoderException e) {
            return OpenAiErrors.invalidRequest("Could not parse the multipart body: " + e.getMessage(), null);
        } finally {
            decoder.destroy();
        }
    }

    private SimResponse batches(HttpMethod method, String[] parts, FullHttpRequest request, QueryStringDecoder uri) {
        if (parts.length == 2 && method.equals(HttpMethod.POST)) {
            try {
                return batches.create(readJson(request));
            } catch (IOException e) {
                return OpenAiErrors.invalidRequest("We could not parse the JSON body of your request.", null);
            }
        }
        if (parts.length == 2 && method.equals(HttpMethod.GET)) {
            int limit = 20;
            String limitParam = firstParam(uri, "limit");
            if (limitParam != null) {
                try {
                    limit = Integer.parseInt(limitParam);
                } catch (NumberFormatException e) {
                    limit = -1;
                }
                if (limit < 1 || limit > 100) {
                    return OpenAiErrors.invalidRequest("Invalid 'limit': must be between 1 and 100.", "limit");
                }
            }
            return batches.list(limit, firstParam(uri, "after"));
        }
        if (parts.length == 3 && method.equals(HttpMethod.GET)) {
            return batches.get(parts[2]);
        }
        if (parts.length == 4 && parts[3].equals("cancel") && method.equals(HttpMethod.POST)) {
            return batches.cancel(parts[2]);
        }
        return invalidUrl(method, uri.path());
    }

    private static JsonNode readJson(FullHttpRequest request) throws IOException {
        if (!request.content().isReadable()) {
            throw new IOException("empty body");
        }
        try (ByteBufInputStream in = new ByteBufInputStream(request.content().duplicate())) {
            return Json.MAPPER.readTree(in);
        }
    }

    private static String firstParam(QueryStringDecoder uri, String name) {
        List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    private static SimResponse invalidUrl(HttpMethod method, String path) {
        return OpenAiErrors.notFound("Invalid URL (" + method.name() + " " + path + ")");
    }
}
