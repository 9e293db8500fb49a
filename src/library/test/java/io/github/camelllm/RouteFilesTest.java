package io.github.camelllm;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.camelllm.sim.SimulatorConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The route files load without Camel's warnings (the YAML DSL warns about its compact notation). */
class RouteFilesTest {

    @TempDir
    Path tmp;

    @Test
    void the_routes_use_the_canonical_yaml_notation() throws Exception {
        Logger yaml = (Logger) LoggerFactory.getLogger("org.apache.camel.dsl.yaml");
        ListAppender<ILoggingEvent> warnings = new ListAppender<>();
        warnings.start();
        yaml.addAppender(warnings);
        try (PipelineFixture pipeline = PipelineFixture.onSimulator(tmp, SimulatorConfig.defaults())) {
            assertThat(pipeline.start().context().getRoutes()).isNotEmpty();
        } finally {
            yaml.detachAppender(warnings);
        }
        assertThat(warnings.list).extracting(ILoggingEvent::getFormattedMessage).isEmpty();
    }
}
