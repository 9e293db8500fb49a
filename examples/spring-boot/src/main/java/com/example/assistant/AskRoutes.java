package com.example.assistant;

import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The host's own routes around the pipeline: questions in on {@code direct:ask}, answers out of the pipeline's
 * output endpoint ({@code llm.assistant.output.uri}) into the log and {@link Answers}.
 */
@Component
public class AskRoutes extends RouteBuilder {

    /** Send a question here (body: the text; header {@value #QUESTION_ID}: a name for it). */
    public static final String ASK = "direct:ask";
    public static final String QUESTION_ID = "questionId";

    private final Answers answers;

    public AskRoutes(Answers answers) {
        this.answers = answers;
    }

    @Override
    public void configure() {
        from(ASK).routeId("ask")
                // the pipeline names each result after the header llmCustomId
                .setHeader("llmCustomId", header(QUESTION_ID))
                .to("direct:assistant-prompts");

        from("{{llm.assistant.output.uri}}").routeId("answers")
                .log("${header.llmCustomId} [${header.llmStatus}] ${body}")
                .bean(answers, "add");
    }
}
