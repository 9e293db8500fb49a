package io.github.camelllm;

/** The same behaviour with the Vert.x chat client ({@code llm.http.client=vertx}). */
class HostileInputVertxTest extends HostileInputTest {

    @Override
    String httpClient() {
        return "vertx";
    }
}
