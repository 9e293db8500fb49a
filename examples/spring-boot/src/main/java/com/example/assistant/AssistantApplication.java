package com.example.assistant;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * A Camel Spring Boot application. The pipeline "assistant" comes from {@code application.properties} alone
 * ({@code llm.pipelines = assistant} and its {@code llm.assistant.*} settings): the library's auto-configuration adds
 * it before Camel starts. {@link AskRoutes} talks to it.
 */
@SpringBootApplication
public class AssistantApplication {

    public static void main(String[] args) {
        SpringApplication.run(AssistantApplication.class, args);
    }
}
