package io.github.camelllm.flow;

/** The same behaviour with the Vert.x chat client ({@code llm.http.client=vertx}). */
class FaultsAndOutagesVertxTest extends FaultsAndOutagesTest {

    @Override
    String httpClient() {
        return "vertx";
    }
}
