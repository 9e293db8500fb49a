package io.github.camelllm.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Quota exhaustion and top-up, a wrong key, an unknown model: OpenAI's statuses and bodies. */
class AccountFaultsTest {

    static OpenAiSimulator start(SimulatorConfig config) {
        OpenAiSimulator sim = new OpenAiSimulator(config.withLatencyMs(0));
        sim.start();
        return sim;
    }

    static HttpResponse<String> control(OpenAiSimulator sim, SimHttp http, String json) throws Exception {
        String root = sim.baseUrl().replace("/v1", "");
        return http.client.send(HttpRequest.newBuilder(URI.create(root + "/sim/control"))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void quota_runs_out_after_n_answers_and_top_up_resumes() throws Exception {
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withQuotaAfter(3))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            for (int i = 0; i < 3; i++) {
                assertThat(http.postJson("/chat/completions", SimHttp.chatBody("q" + i)).statusCode()).isEqualTo(200);
            }
            HttpResponse<String> out = http.postJson("/chat/completions", SimHttp.chatBody("one too many"));
            HttpResponse<String> stillOut = http.postJson("/chat/completions", SimHttp.chatBody("again"));

            assertThat(out.statusCode()).isEqualTo(429);
            assertThat(stillOut.statusCode()).isEqualTo(429);
            JsonNode error = SimHttp.json(out).path("error");
            assertThat(error.path("type").asText()).isEqualTo("insufficient_quota");
            assertThat(error.path("code").asText()).isEqualTo("insufficient_quota");
            assertThat(error.path("message").asText())
                    .startsWith("You exceeded your current quota, please check your plan and billing details.");
            assertThat(out.headers().firstValue("retry-after")).isEmpty(); // waiting does not help
            assertThat(sim.quotaRejections()).isEqualTo(2);
            assertThat(sim.rateLimitRejections()).isZero();

            sim.topUp();
            assertThat(http.postJson("/chat/completions", SimHttp.chatBody("resumed")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void quota_is_steered_through_the_control_endpoint() throws Exception {
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults())) {
            SimHttp http = new SimHttp(sim.baseUrl());
            HttpResponse<String> set = control(sim, http, "{\"quotaAfter\":1}");
            assertThat(set.statusCode()).isEqualTo(200);
            assertThat(SimHttp.json(set).path("quota_after").asLong()).isEqualTo(1);

            assertThat(http.postJson("/chat/completions", SimHttp.chatBody("a")).statusCode()).isEqualTo(200);
            assertThat(http.postJson("/chat/completions", SimHttp.chatBody("b")).statusCode()).isEqualTo(429);
            control(sim, http, "{\"topUp\":true}");
            assertThat(http.postJson("/chat/completions", SimHttp.chatBody("c")).statusCode()).isEqualTo(200);
            control(sim, http, "{\"quotaAfter\":-1}");
            assertThat(http.postJson("/chat/completions", SimHttp.chatBody("d")).statusCode()).isEqualTo(200);
            assertThat(http.postJson("/chat/completions", SimHttp.chatBody("e")).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void wrong_key_gets_401_with_masked_key_and_missing_key_is_said_so() throws Exception {
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withRequiredApiKey("sk-right-key-123456"))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            http.apiKey = "sk-abWRONGSECRETcd";
            HttpResponse<String> wrong = http.postJson("/chat/completions", SimHttp.chatBody("hi"));
            HttpResponse<String> missing = http.client.send(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/batches"))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());

            assertThat(wrong.statusCode()).isEqualTo(401);
            JsonNode error = SimHttp.json(wrong).path("error");
            assertThat(error.path("code").asText()).isEqualTo("invalid_api_key");
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.path("message").asText()).startsWith("Incorrect API key provided: sk-ab***cd. You can find your API key at ");
            assertThat(wrong.body()).doesNotContain("WRONGSECRET");
            assertThat(missing.statusCode()).isEqualTo(401);
            assertThat(SimHttp.json(missing).at("/error/message").asText()).startsWith("You didn't provide an API key.");
        }
    }

    @Test
    void unknown_model_gets_404() throws Exception {
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withKnownModels(Set.of("gpt-4o-mini")))) {
            SimHttp http = new SimHttp(sim.baseUrl());
            HttpResponse<String> unknown = http.postJson("/chat/completions", SimHttp.chatBody("hi"));
            HttpResponse<String> known = http.postJson("/chat/completions",
                    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

            assertThat(unknown.statusCode()).isEqualTo(404);
            JsonNode error = SimHttp.json(unknown).path("error");
            assertThat(error.path("code").asText()).isEqualTo("model_not_found");
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
            assertThat(error.path("message").asText())
                    .isEqualTo("The model `gpt-test` does not exist or you do not have access to it.");
            assertThat(known.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void forbidden_model_gets_403() throws Exception {
        try (OpenAiSimulator sim = start(SimulatorConfig.defaults().withForbiddenModels(Set.of("gpt-test")))) {
            HttpResponse<String> r = new SimHttp(sim.baseUrl()).postJson("/chat/completions", SimHttp.chatBody("hi"));

            assertThat(r.statusCode()).isEqualTo(403);
            JsonNode error = SimHttp.json(r).path("error");
            assertThat(error.path("code").asText()).isEqualTo("model_not_found");
            assertThat(error.path("message").asText()).isEqualTo("Project `proj_sim` does not have access to model `gpt-test`");
        }
    }
}
