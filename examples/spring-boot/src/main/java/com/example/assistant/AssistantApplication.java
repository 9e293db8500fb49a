package com.example.assistant;

import io.github.camelllm.LlmPipeline;
import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

@SpringBootApplication
public class AssistantApplication {

    public static void main(String[] args) {
        SpringApplication.run(AssistantApplication.class, args);
    }

    /**
     * Adds the pipeline "assistant" before Camel starts, so its routes start with the host's. Its settings are the
     * {@code llm.assistant.*} properties of the Spring Environment (application.properties, environment variables,
     * command-line arguments), which Camel Spring Boot's properties component reads.
     */
    @Bean
    CamelContextConfiguration assistantPipeline() {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camelContext) {
                LlmPipeline.named("assistant").addTo(camelContext);
            }

            @Override
            public void afterApplicationStart(CamelContext camelContext) {
                // nothing to do once started: the pipeline's routes start with the context
            }
        };
    }
}
