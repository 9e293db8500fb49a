package io.github.camelllm;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.client.ScenarioMappingBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;

/**
 * An OpenAI-compatible API played by WireMock, for every test that calls one: the server (started before each
 * test, stopped after it) and the answers OpenAI gives, with its own JSON bodies and headers.
 * <p>
 * Register it as a field: {@code @RegisterExtension final OpenAiStubs api = new OpenAiStubs();}. It starts
 * before the test class's {@code @BeforeEach} methods and stops after its {@code @AfterEach} methods.
 */
public final class OpenAiStubs implements BeforeEachCallback, AfterEachCallback {

    public static final String CHAT = "/v1/chat/completions";
    /** The model list, which the command line asks for before any prompt (free on every such API). */
    public static final String MODELS = "/v1/models";
    /** A template that answers each prompt with "re: " and the prompt, so every result can be matched to its line. */
    public static final String ECHO = "re: {{jsonPath request.body '$.messages[0].content'}}";
    public static final String GATEWAY_PAGE = "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 "
            + "Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

    private final WireMockConfiguration options;
    private final List<PipelineFixture> pipelines = new CopyOnWriteArrayList<>();
    private WireMockServer server;

    /** Enough threads for the pipeline's concurrency in these tests, and delays that hold no thread. */
    public OpenAiStubs() {
        this(options().dynamicPort().containerThreads(120).asynchronousResponseEnabled(true)
                .asynchronousResponseThreads(40));
    }

    public OpenAiStubs(WireMockConfiguration options) {
        this.options = options;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        start();
    }

    /** Stops the pipelines that call this server first, then the server. */
    @Override
    public void afterEach(ExtensionContext context) {
        pipelines.forEach(PipelineFixture::stop);
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    /** Starts the server, once (JUnit may run the pipeline's extension before this one). */
    void start() {
        if (server == null) {
            server = new WireMockServer(options);
            server.start();
            listModels();
        }
    }

    /** GET /v1/models answers as OpenAI's does (with no model listed: any name is taken). */
    public void listModels() {
        server.stubFor(get(urlEqualTo(MODELS)).atPriority(10)
                .willReturn(json(200, "{\"object\":\"list\",\"data\":[]}")));
    }

    /** A pipeline calling this server: it is stopped before the server is. */
    void calledBy(PipelineFixture pipeline) {
        pipelines.add(pipeline);
    }

    public WireMockServer server() {
        return server;
    }

    public int port() {
        return server.port();
    }

    /** The base URL the pipeline is given ({@code llm.base-url}). */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.port() + "/v1";
    }

    // ------------------------------------------------------------------------------------------ bodies

    /** A chat completion of model "m" with this content and 3 + 2 tokens. */
    public static String completion(String content) {
        return "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{"
                + "\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + content + "\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,"
                + "\"total_tokens\":5}}";
    }

    /** OpenAI's error object: {@code {"error":{"message","type","param":null,"code"}}}; a null code is left out. */
    public static String error(String message, String type, String code) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"" + type + "\",\"param\":null"
                + (code == null ? "" : ",\"code\":\"" + code + "\"") + "}}";
    }

    public static final String QUOTA_MESSAGE = "You exceeded your current quota, please check your plan and billing "
            + "details.";

    // ------------------------------------------------------------------------------------------ answers

    /** 200 with a chat completion of this content. */
    public static ResponseDefinitionBuilder ok(String content) {
        return json(200, completion(content));
    }

    /** 200 with a completion that says "re: " and the prompt. */
    public static ResponseDefinitionBuilder echo() {
        return ok(ECHO).withTransformers("response-template");
    }

    /** A JSON answer with this status and body. */
    public static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    /** 429 rate_limit_exceeded on the requests bucket, as OpenAI words it, with these headers (name, value, ...). */
    public static ResponseDefinitionBuilder rateLimited(String... headers) {
        ResponseDefinitionBuilder answer = json(429, error("Rate limit reached for gpt-4o-mini on requests per min "
                + "(RPM): Limit 3, Used 3, Requested 1. Please try again in 1.5s.", "requests", "rate_limit_exceeded"));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            answer = answer.withHeader(headers[i], headers[i + 1]);
        }
        return answer;
    }

    /** 429 insufficient_quota: the account is out of credit. */
    public static ResponseDefinitionBuilder quotaExhausted() {
        return json(429, error(QUOTA_MESSAGE, "insufficient_quota", "insufficient_quota"));
    }

    /** 401 invalid_api_key, naming the key as the server shows it. */
    public static ResponseDefinitionBuilder invalidApiKey(String shownKey) {
        return json(401, error("Incorrect API key provided: " + shownKey + ". You can find your API key at "
                + "https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"));
    }

    /** 404 model_not_found for this model. */
    public static ResponseDefinitionBuilder modelNotFound(String model) {
        return json(404, error("The model `" + model + "` does not exist or you do not have access to it.",
                "invalid_request_error", "model_not_found"));
    }

    /** A gateway's HTML 502 page (nginx), not an OpenAI error object. */
    public static ResponseDefinitionBuilder badGateway() {
        return aResponse().withStatus(502).withHeader("Content-Type", "text/html").withBody(GATEWAY_PAGE);
    }

    /** A 5xx server_error with this message. */
    public static ResponseDefinitionBuilder serverError(int status, String message) {
        return json(status, error(message, "server_error", null));
    }

    /** A 400 invalid_request_error with this message. */
    public static ResponseDefinitionBuilder badRequest(String message) {
        return json(400, error(message, "invalid_request_error", null));
    }

    // ------------------------------------------------------------------------------------------ stubbing

    /** Every chat call gets this answer (unless a more specific stub matches). */
    public void answerChats(ResponseDefinitionBuilder answer) {
        server.stubFor(post(urlEqualTo(CHAT)).willReturn(answer));
    }

    /** Chat calls whose request body contains {@code text} get this answer, before any other stub. */
    public void answerChatsContaining(String text, ResponseDefinitionBuilder answer) {
        server.stubFor(post(urlEqualTo(CHAT)).withRequestBody(containing(text)).atPriority(1).willReturn(answer));
    }

    /** The first chat call gets {@code first}, every later one {@code then} (a scenario). */
    public void answerChatsInTurn(ResponseDefinitionBuilder first, ResponseDefinitionBuilder then) {
        inTurn(() -> post(urlEqualTo(CHAT)), "chat", first, then);
    }

    /**
     * As {@link #answerChatsInTurn} for any request: the first matching call gets {@code first}, later ones
     * {@code then}.
     */
    public void inTurn(Supplier<MappingBuilder> request, String scenario, ResponseDefinitionBuilder first,
                       ResponseDefinitionBuilder then) {
        ScenarioMappingBuilder firstCall = request.get().inScenario(scenario).whenScenarioStateIs(STARTED);
        server.stubFor(firstCall.willReturn(first).willSetStateTo("answered once"));
        server.stubFor(request.get().inScenario(scenario).whenScenarioStateIs("answered once").willReturn(then));
    }

    /** Forgets every stub and every request seen. */
    public void reset() {
        server.resetAll();
        listModels();
    }

    // ------------------------------------------------------------------------------------------ what was asked

    /** Requests of any kind the server received, but the free GET /v1/models. */
    public int calls() {
        return paidEvents().size();
    }

    /** Times GET /v1/models was asked. */
    public int modelListings() {
        return server.getAllServeEvents().size() - paidEvents().size();
    }

    private List<ServeEvent> paidEvents() {
        return server.getAllServeEvents().stream().filter(e -> !isModelListing(e)).toList();
    }

    private static boolean isModelListing(ServeEvent e) {
        return e.getRequest().getMethod().getName().equals("GET") && e.getRequest().getUrl().equals(MODELS);
    }

    /** Chat-completion requests the server received. */
    public int chatCalls() {
        return server.findAll(postRequestedFor(urlEqualTo(CHAT))).size();
    }

    /** Every request, oldest first. */
    public List<ServeEvent> callsInOrder() {
        return paidEvents().stream()
                .sorted(Comparator.comparing(e -> e.getRequest().getLoggedDate())).toList();
    }

    /** How often each distinct request body reached the server. */
    public Map<String, Long> callsPerPrompt() {
        return paidEvents().stream()
                .collect(Collectors.groupingBy(e -> e.getRequest().getBodyAsString(), Collectors.counting()));
    }
}
