package io.github.camelllm.batch;

import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.openai.ApiException;
import io.github.camelllm.openai.JdkHttp;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;

/**
 * The Files and Batches API calls on the pipeline's own JDK HTTP client, never on Camel's {@code http}
 * component: in a host's CamelContext that component is the host's, and neither the key nor this pipeline's
 * timeouts may reach the host's own calls. They go through the same edge as the chat calls ({@link JdkHttp},
 * {@link io.github.camelllm.openai.OpenAiHttp}): the key only to the base URL, no redirects, the body caps, the
 * web-page check, the deadlines, and every refusal an {@link ApiException} for {@link BatchSteps#apiFailed}.
 * <p>
 * A JSON answer must be complete within {@code llm.timeout.response-ms} and is read up to
 * {@code llm.response.max-bytes}. A file download must start within it, but its body may take longer (an output
 * file can be hundreds of MB): it is cut only when no byte arrives for {@code llm.timeout.response-ms}.
 * <p>
 * The answer replaces the message: its body (bytes, or for a download a stream), no headers.
 */
public final class BatchHttp {

    private final JdkHttp http;

    public BatchHttp(JdkHttp http) {
        this.http = http;
    }

    /** POST /files: the body and Content-Type that {@link BatchApi#uploadRequest} put on the message. */
    public void upload(Exchange exchange) throws Exception {
        answer(exchange, post(exchange, "/files"));
    }

    /** POST /batches: the JSON body of {@link BatchApi#createRequest}. */
    public void create(Exchange exchange) throws Exception {
        answer(exchange, post(exchange, "/batches"));
    }

    /** GET /batches?limit=100: the newest batches, to adopt one made from an uploaded file. */
    public void find(Exchange exchange) throws Exception {
        answer(exchange, http.api().request("/batches?limit=100").GET().build());
    }

    /** GET /batches/{id} of the job's batch. */
    public void check(Exchange exchange) throws Exception {
        answer(exchange, http.api().request("/batches/" + segment(BatchStep.of(exchange).getJob().getBatchId()))
                .GET().build());
    }

    /**
     * GET /files/{id}/content of the file named by the exchange property {@value LlmConstants#DOWNLOAD}: the body
     * is left as a stream, for the next step to save; it is never held in memory.
     */
    public void download(Exchange exchange) throws Exception {
        String fileId = exchange.getProperty(LlmConstants.DOWNLOAD, String.class);
        InputStream content = http.download(http.api().request("/files/" + segment(fileId) + "/content")
                .GET().build());
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setBody(content);
    }

    private HttpRequest post(Exchange exchange, String path) {
        Message message = exchange.getMessage();
        Object body = message.getBody();
        HttpRequest.BodyPublisher publisher = body instanceof HttpRequest.BodyPublisher streamed ? streamed
                : HttpRequest.BodyPublishers.ofString(message.getBody(String.class), StandardCharsets.UTF_8);
        String contentType = message.getHeader(Exchange.CONTENT_TYPE, "application/json", String.class);
        return http.api().request(path).header("Content-Type", contentType).POST(publisher).build();
    }

    /** A JSON answer, whole, as the new message; or the failure. */
    private void answer(Exchange exchange, HttpRequest request) throws Exception {
        byte[] body = http.json(request);
        Message message = exchange.getMessage();
        message.removeHeaders("*");
        message.setBody(body);
    }

    /** An id from an answer as one path segment, whatever it holds. */
    private static String segment(String id) {
        if (id == null || id.isEmpty()) {
            throw new IllegalStateException("no id to call the API with");
        }
        return URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
