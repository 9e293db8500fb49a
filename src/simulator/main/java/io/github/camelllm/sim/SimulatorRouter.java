package io.github.camelllm.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
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
import java.util.Map;
import java.util.TreeSet;
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
    private final RateLimiter limiter;
    private final AccountQuota quota;
    private final Outage outage;
    private final SimulatorControl control;
    private final String expectedAuthorization;

    SimulatorRouter(SimulatorConfig config, SimulatorStats stats, FileStore files, BatchService batches,
                    RateLimiter limiter, AccountQuota quota, Outage outage) {
        this.config = config;
        this.stats = stats;
        this.files = files;
        this.batches = batches;
        this.limiter = limiter;
        this.quota = quota;
        this.outage = outage;
        this.control = new SimulatorControl(stats, limiter, quota, outage, files, batches);
        this.expectedAuthorization = config.requiredApiKey() == null ? null : "Bearer " + config.requiredApiKey();
    }

    SimResponse route(FullHttpRequest request) {
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        HttpMethod method = request.method();
        if (path.equals("/health")) {
            return SimResponse.json(200, "{\"status\":\"ok\"}".getBytes(StandardCharsets.US_ASCII));
        }
        if (path.startsWith("/sim/")) {
            return simulatorEndpoint(method, path, request);
        }
        if (!path.startsWith("/v1/")) {
            return invalidUrl(method, path);
        }
        boolean chat = method.equals(HttpMethod.POST) && path.equals("/v1/chat/completions");
        if (chat) {
            stats.chatRequest();
            // The gateway in front of the API fails before anything else is looked at.
            OutageMode down = outage.current();
            if (down != null) {
                stats.outageAnswered();
                return OpenAiErrors.outage(down);
            }
        }
        SimResponse denied = checkApiKey(request);
        if (denied != null) {
            return denied;
        }
        if (chat) {
            return chatCompletion(request);
        }
        String[] parts = path.substring(1).split("/");
        // parts[0] is "v1"
        String resource = parts.length > 1 ? parts[1] : "";
        if (resource.equals("files")) {
            return files(method, parts, request, uri);
        }
        if (resource.equals("batches")) {
            return batches(method, parts, request, uri);
        }
        if (resource.equals("models") && parts.length == 2 && method.equals(HttpMethod.GET)) {
            return models();
        }
        return invalidUrl(method, path);
    }

    /**
     * GET /v1/models: the known models (with none configured, every name is accepted and none is listed), as
     * OpenAI lists them; free, as a client's check that the API is there and takes its key.
     */
    private SimResponse models() {
        ObjectNode list = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        for (String model : new TreeSet<>(config.knownModels())) {
            data.addObject().put("id", model).put("object", "model").put("created", 0).put("owned_by", "simulator");
        }
        return SimResponse.json(200, Json.bytes(list));
    }

    SimResponse statsResponse() {
        return control.stats();
    }

    private SimResponse simulatorEndpoint(HttpMethod method, String path, FullHttpRequest request) {
        if (path.equals("/sim/stats") && method.equals(HttpMethod.GET)) {
            return control.stats();
        }
        if (path.equals("/sim/control") && method.equals(HttpMethod.GET)) {
            return control.state();
        }
        if (path.equals("/sim/control") && method.equals(HttpMethod.POST)) {
            try {
                return control.apply(readJson(request));
            } catch (IOException e) {
                return OpenAiErrors.invalidRequest("The control body must be a JSON object.", null);
            }
        }
        return invalidUrl(method, path);
    }

    /** Null when the caller may pass; else the 401 OpenAI gives for a missing or wrong key. */
    private SimResponse checkApiKey(FullHttpRequest request) {
        if (expectedAuthorization == null) {
            return null;
        }
        String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (expectedAuthorization.equals(authorization)) {
            return null;
        }
        if (authorization == null || !authorization.startsWith("Bearer ") || authorization.length() == 7) {
            return OpenAiErrors.missingApiKey();
        }
        return OpenAiErrors.invalidApiKey(authorization.substring(7));
    }

    /**
     * Checks in the order a real provider applies them: a valid body, a known model, credit left,
     * room in the rate-limit buckets (charged at admission, before the latency), then the answer.
     */
    private SimResponse chatCompletion(FullHttpRequest request) {
        JsonNode body;
        try {
            body = readJson(request);
        } catch (IOException e) {
            return OpenAiErrors.invalidRequest("We could not parse the JSON body of your request. (HINT: This likely means "
                    + "you aren't using your HTTP library correctly.)", null);
        }
        ChatCompletions.Outcome invalid = ChatCompletions.validate(body);
        if (invalid != null) {
            return SimResponse.json(invalid.status(), Json.bytes(invalid.body()));
        }
        String model = body.get("model").asText();
        if (!config.knownModels().isEmpty() && !config.knownModels().contains(model)) {
            return OpenAiErrors.modelNotFound(model);
        }
        if (config.forbiddenModels().contains(model)) {
            return OpenAiErrors.modelForbidden(model);
        }
        if (quota.exhausted()) {
            stats.quotaRejected();
            return rateLimitHeaders(OpenAiErrors.insufficientQuota(), limiter.peek(model));
        }
        long cost = TokenEstimate.of(body);
        RateLimitDecision decision = limiter.admit(model, cost);
        if (!decision.admitted()) {
            stats.rateLimitRejected();
            SimResponse rejected = rateLimitHeaders(decision.error(), decision.headers());
            // Real rate limiting rejects before doing any work, so no latency here.
            return config.retryAfterHeaders() && decision.retryAfterMs() >= 0
                    ? OpenAiErrors.withRetryAfter(rejected, decision.retryAfterMs()) : rejected;
        }
        stats.tokensCharged(cost);
        return rateLimitHeaders(answer(body), decision.headers());
    }

    /** The answer of an admitted request: markers, random faults, or the completion. */
    private SimResponse answer(JsonNode body) {
        ChatCompletions.Outcome outcome = ChatCompletions.answer(body);
        if (outcome.hang()) {
            return SimResponse.hanging();
        }
        long latency = outcome.latencyOverride() >= 0 ? outcome.latencyOverride() : drawLatency();
        if (outcome.status() != 200) {
            // A status forced by a test marker (answered after the latency).
            SimResponse forced = SimResponse.json(outcome.status(), Json.bytes(outcome.body())).delayed(latency);
            return outcome.status() == 429 && config.retryAfterHeaders()
                    ? OpenAiErrors.withRetryAfter(forced, Math.round(config.retryAfterSeconds() * 1000)) : forced;
        }
        double draw = ThreadLocalRandom.current().nextDouble();
        if (draw < config.rate429()) {
            return OpenAiErrors.rateLimited(config.retryAfterSeconds(), config.retryAfterHeaders());
        }
        if (draw < config.rate429() + config.rate500()) {
            return OpenAiErrors.serverError().delayed(latency);
        }
        if (draw < config.rate429() + config.rate500() + config.rateHang()) {
            return SimResponse.hanging();
        }
        if (!quota.tryUse()) {
            // Another event loop took the last credit since the check above.
            stats.quotaRejected();
            return OpenAiErrors.insufficientQuota();
        }
        SimResponse ok = SimResponse.json(200, Json.bytes(outcome.body())).delayed(latency);
        return config.trickleBytesPerSecond() > 0 ? ok.trickled(config.trickleBytesPerSecond()) : ok;
    }

    private SimResponse rateLimitHeaders(SimResponse response, Map<String, String> headers) {
        return config.rateLimitHeaders() ? response.withHeaders(headers) : response;
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
