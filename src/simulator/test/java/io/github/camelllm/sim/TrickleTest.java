package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A 200 whose body arrives a few bytes at a time, so per-read timeouts never fire. */
class TrickleTest {

    @Test
    void body_arrives_in_many_small_pieces_and_is_complete() throws Exception {
        try (OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withLatencyMs(0)
                .withTrickleBytesPerSecond(800))) {
            sim.start();
            String json = SimHttp.chatBody("slowly");
            String raw = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + json.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n" + json;
            int reads = 0;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (Socket socket = new Socket("127.0.0.1", sim.port())) {
                // a per-read timeout this generous never fires: every piece comes well within it
                socket.setSoTimeout(2000);
                socket.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
                InputStream in = socket.getInputStream();
                byte[] buf = new byte[4096];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    reads++;
                }
            }
            String response = out.toString(StandardCharsets.UTF_8);
            String body = response.substring(response.indexOf("\r\n\r\n") + 4);

            assertThat(response).startsWith("HTTP/1.1 200");
            assertThat(reads).isGreaterThan(10);
            assertThat(SimHttp.MAPPER.readTree(body).at("/choices/0/message/content").asText()).isEqualTo("echo: slowly");
        }
    }

    @Test
    void http_client_still_gets_the_whole_answer() throws Exception {
        try (OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withLatencyMs(0)
                .withTrickleBytesPerSecond(2000))) {
            sim.start();
            HttpResponse<String> r = new SimHttp(sim.baseUrl()).postJson("/chat/completions", SimHttp.chatBody("patience"));

            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(SimHttp.json(r).at("/choices/0/message/content").asText()).isEqualTo("echo: patience");
            assertThat(sim.inFlight()).isZero();
        }
    }
}
