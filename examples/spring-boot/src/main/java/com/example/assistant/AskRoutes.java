package com.example.assistant;

import org.apache.camel.ExchangePattern;
import org.apache.camel.builder.RouteBuilder;
import org.springframework.stereotype.Component;

/**
 * The host's own routes around the pipeline: questions in on {@code direct:ask}, answers out of the pipeline's
 * output endpoint ({@code llm.assistant.output.uri}) into the log and {@link Answers}; and request-reply on
 * {@code direct:ask-and-wait}, whose caller gets the answer back in the same exchange.
 */
@Component
public class AskRoutes extends RouteBuilder {

    /** Send a question here (body: the text; header {@value #QUESTION_ID}: a name for it). */
    public static final String ASK = "direct:ask";
    public static final String QUESTION_ID = "questionId";
    /** Send a question here with request-reply (InOut): the reply is the answer, a result as JSON. */
    public static final String ASK_AND_WAIT = "direct:ask-and-wait";

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

        // request-reply: the pipeline answers the waiting exchange itself (paced, retried and journaled like any
        // prompt); the caller's headers (here questionId) come back with the answer
        from(ASK_AND_WAIT).routeId("ask-and-wait")
                .setHeader("llmCustomId", header(QUESTION_ID))
                .to(ExchangePattern.InOut, "direct:assistant-prompts")
                .log("${header.questionId} answered [${header.llmStatus}]");

        from("{{llm.assistant.output.uri}}").routeId("answers")
                .log("${header.llmCustomId} [${header.llmStatus}] ${body}")
                .bean(answers, "add");
    }
}
