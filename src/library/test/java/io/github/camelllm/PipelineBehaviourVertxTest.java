package io.github.camelllm;

/** The same behaviour with the Vert.x chat client ({@code llm.http.client=vertx}). */
class PipelineBehaviourVertxTest extends PipelineBehaviourTest {

    @Override
    String httpClient() {
        return "vertx";
    }
}
