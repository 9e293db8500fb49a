package io.github.camelllm.batch;

import java.util.HashMap;
import java.util.Map;
import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.config.CallConfig;
import io.github.camelllm.config.ApiConfig;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.openai.ApiException;
import io.github.camelllm.openai.ApiFailure;
import io.github.camelllm.openai.JdkHttp;
import io.github.camelllm.openai.OpenAiHttp;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The five Files/Batches calls on the pipeline's own HTTP client, against a real HTTP server. */
class BatchHttpTest {

    static final String KEY = "sk-test-batch-key-93b1";

    @TempDir
    Path dir;

    private final WireMockServer api = new WireMockServer(options().dynamicPort());
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService io = Executors.newFixedThreadPool(2);
    private final CamelContext context = new DefaultCamelContext();
    private ShardJob job;

    @BeforeEach
    void start() throws Exception {
        api.start();
        job = new TestJob().run("run-1").shard("shard-1").lines(new long[]{1}, "a").fileId("file-in")
                .batchId("batch_1").in(dir);
        Files.writeString(job.shardPath(), "{\"custom_id\":\"a\"}\n");
    }

    @AfterEach
    void stop() {
        api.stop();
        timer.shutdownNow();
        io.shutdownNow();
    }

    private BatchHttp client(String key, long responseMs) {
        return client(api.baseUrl() + "/v1", key, responseMs);
    }

    private BatchHttp client(String baseUrl, String key, long responseMs) {
        return new BatchHttp(new JdkHttp(new OpenAiHttp(apiConfig(baseUrl, key), calls(responseMs)), io, timer));
    }

    private static ApiConfig apiConfig(String baseUrl, String key) {
        Map<String, String> api = new HashMap<>();
        api.put("base-url", baseUrl);
        if (key != null) {
            api.put("api-key", key);
        }
        return PipelineConfig.of(api).api();
    }

    private static CallConfig calls(long responseMs) {
        return PipelineConfig.of(Map.of("timeout.connect-ms", "2000", "timeout.response-ms", Long.toString(responseMs),
                "response.max-bytes", Integer.toString(1 << 20))).calls();
    }

    private Exchange exchange() {
        Exchange exchange = new DefaultExchange(context);
        exchange.setProperty(LlmConstants.BATCH, new BatchStep(job));
        return exchange;
    }

    private static com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder json(String body) {
        return aResponse().withHeader("Content-Type", "application/json").withBody(body);
    }

    @Test
    void every_call_carries_the_key_and_reads_its_answer() throws Exception {
        api.stubFor(post(urlEqualTo("/v1/files")).willReturn(json("{\"id\":\"file-in\"}")));
        api.stubFor(post(urlEqualTo("/v1/batches")).willReturn(json("{\"id\":\"batch_1\",\"status\":\"validating\"}")));
        api.stubFor(get(urlEqualTo("/v1/batches?limit=100")).willReturn(json("{\"data\":[]}")));
        api.stubFor(get(urlEqualTo("/v1/batches/batch_1")).willReturn(json("{\"id\":\"batch_1\",\"status\":\"completed\"}")));
        api.stubFor(get(urlEqualTo("/v1/files/file-out/content")).willReturn(aResponse()
                .withHeader("Content-Type", "application/octet-stream").withBody("line 1\nline 2\n")));
        BatchHttp http = client(KEY, 5000);
        BatchApi requests = new BatchApi();

        Exchange upload = exchange();
        requests.uploadRequest(upload);
        http.upload(upload);
        assertThat(BatchApi.file(upload).id()).isEqualTo("file-in");

        Exchange create = exchange();
        create.getMessage().setBody(requests.createRequest(create));
        http.create(create);
        assertThat(BatchApi.batch(create).id()).isEqualTo("batch_1");

        Exchange find = exchange();
        http.find(find);
        assertThat(BatchApi.batches(find).batches()).isEmpty();

        Exchange check = exchange();
        http.check(check);
        assertThat(BatchApi.batch(check).statusText()).isEqualTo("completed");

        Exchange download = exchange();
        download.setProperty(LlmConstants.DOWNLOAD, "file-out");
        http.download(download);
        assertThat(download.getMessage().getBody()).isInstanceOf(InputStream.class);
        try (InputStream in = download.getMessage().getBody(InputStream.class)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("line 1\nline 2\n");
        }

        assertThat(api.getAllServeEvents()).hasSize(5)
                .allSatisfy(e -> assertThat(e.getRequest().getHeader("Authorization")).isEqualTo("Bearer " + KEY));
        // the upload is the multipart form OpenAI expects: purpose=batch and the shard file, streamed as is
        api.verify(postRequestedFor(urlEqualTo("/v1/files"))
                .withHeader("Content-Type", containing("multipart/form-data; boundary="))
                .withRequestBody(containing("name=\"purpose\"\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nbatch\r\n"))
                .withRequestBody(containing("name=\"file\"; filename=\"run-1-shard-1.jsonl\"\r\n"
                        + "Content-Type: application/jsonl\r\n\r\n{\"custom_id\":\"a\"}\n\r\n")));
        api.verify(postRequestedFor(urlEqualTo("/v1/batches")).withHeader("Content-Type", equalTo("application/json"))
                .withRequestBody(containing("\"input_file_id\":\"file-in\"")));
    }

    @Test
    void without_a_key_no_authorization_header_is_sent() throws Exception {
        api.stubFor(get(urlEqualTo("/v1/batches?limit=100")).willReturn(json("{\"data\":[]}")));
        client("", 5000).find(exchange());
        api.verify(1, anyRequestedFor(anyUrl()).withHeader("Authorization", absent()));
    }

    @Test
    void an_error_answer_fails_with_what_the_failure_classification_reads() {
        api.stubFor(get(urlEqualTo("/v1/batches/batch_1")).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"No batch found with id 'batch_1'.\",\"type\":\"invalid_request_error\"}}")));

        assertThatThrownBy(() -> client(KEY, 5000).check(exchange())).isInstanceOfSatisfying(ApiException.class, e -> {
            ApiFailure failure = BatchApi.failure(e);
            assertThat(failure.status()).isEqualTo(404);
            assertThat(failure.message()).contains("No batch found");
            assertThat(failure.headers()).containsEntry("content-type", "application/json");
            assertThat(failure.retryable()).isFalse();
        });
    }

    @Test
    void a_web_page_answering_200_is_not_taken_for_json() {
        api.stubFor(get(urlEqualTo("/v1/batches/batch_1")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/html; charset=utf-8").withBody("<html><body>Sign in</body></html>")));
        api.stubFor(get(urlEqualTo("/v1/files/file-out/content")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/html").withBody("<html><body>Sign in</body></html>")));
        Exchange download = exchange();
        download.setProperty(LlmConstants.DOWNLOAD, "file-out");

        assertThatThrownBy(() -> client(KEY, 5000).check(exchange())).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(BatchApi.failure(e).kind()).isEqualTo(ApiFailure.Kind.NOT_FOUND));
        assertThatThrownBy(() -> client(KEY, 5000).download(download)).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(BatchApi.failure(e).message()).contains("Sign in"));
    }

    @Test
    void a_json_answer_must_be_complete_within_the_response_timeout() {
        api.stubFor(get(urlEqualTo("/v1/batches/batch_1")).willReturn(json("{\"id\":\"batch_1\"}")
                .withFixedDelay(3000)));

        assertThatThrownBy(() -> client(KEY, 300).check(exchange())).isInstanceOf(SocketTimeoutException.class)
                .hasMessageContaining("llm.timeout.response-ms");
        assertThat(BatchApi.failure(new SocketTimeoutException())).isNull(); // tried again at the next poll
    }

    @Test
    void a_download_may_outlast_the_response_timeout_but_not_stall_for_longer_than_it() throws Exception {
        String body = "x".repeat(1000);
        // ten pieces 100 ms apart: a second in all, never 600 ms without a byte
        api.stubFor(get(urlEqualTo("/v1/files/slow/content")).willReturn(aResponse().withBody(body)
                .withChunkedDribbleDelay(10, 1000)));
        BatchHttp http = client(KEY, 600);

        Exchange slow = exchange();
        slow.setProperty(LlmConstants.DOWNLOAD, "slow");
        http.download(slow);
        try (InputStream in = slow.getMessage().getBody(InputStream.class)) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(body);
        }

        // a server that sends the headers and the first bytes, then nothing more
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
                try {
                    Socket s = server.accept();
                    s.getInputStream().read(new byte[8192]);
                    s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nxyz"
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    return s;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            BatchHttp stalling = client("http://127.0.0.1:" + server.getLocalPort() + "/v1", KEY, 600);
            Exchange stalled = exchange();
            stalled.setProperty(LlmConstants.DOWNLOAD, "stalled");
            stalling.download(stalled);
            try (InputStream in = stalled.getMessage().getBody(InputStream.class)) {
                assertThatThrownBy(in::readAllBytes).isInstanceOf(SocketTimeoutException.class)
                        .hasMessageContaining("llm.timeout.response-ms");
            }
            accepted.join().close();
        }
    }
}
