package io.github.camelllm;

import io.github.camelllm.config.Namespace;
import org.apache.camel.CamelContext;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import java.util.List;

/**
 * Camel Spring Boot by properties alone: the pipelines named in {@code llm.pipelines} ({@code application.yml}, the
 * environment, the command line; a comma-separated value or a YAML list) are added to Camel's context before it
 * starts, each with its settings {@code llm.NAME.x} falling back to {@code llm.x}, every {@code llm.*} key of the
 * Spring Environment checked (a misspelt one stops the application naming it), their beans bound and their health
 * checks registered. Nothing happens without {@code llm.pipelines}: a host that adds its pipelines in code keeps doing
 * so.
 * <p>
 * Loaded only by Spring Boot (listed in {@code META-INF/spring/...AutoConfiguration.imports}); the library's Spring
 * dependencies are optional, so a plain Camel host never loads this class.
 */
@AutoConfiguration
@ConditionalOnClass(name = "org.apache.camel.spring.boot.CamelContextConfiguration")
public class LlmPipelinesAutoConfiguration {

    /** Adds the pipelines named in {@code llm.pipelines} before Camel starts, so their routes start with the host's. */
    @Bean
    public CamelContextConfiguration llmPipelinesConfiguration(Environment environment) {
        List<String> names = Binder.get(environment).bind(Namespace.PIPELINES, Bindable.listOf(String.class))
                .orElse(List.of()).stream().map(String::trim).filter(n -> !n.isEmpty()).toList();
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camelContext) {
                LlmPipelines.add(camelContext, names);
            }

            @Override
            public void afterApplicationStart(CamelContext camelContext) {
                // the pipelines' routes started with the context
            }
        };
    }
}
