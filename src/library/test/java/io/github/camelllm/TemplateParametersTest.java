package io.github.camelllm;

import io.github.camelllm.config.Settings.ConfigException;
import org.apache.camel.model.RouteTemplateDefinition;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the pipeline gives a route template: the values of the parameters it declares, and nothing else. */
class TemplateParametersTest {

    static RouteTemplateDefinition template() {
        RouteTemplateDefinition template = new RouteTemplateDefinition();
        template.setId("llm-pipeline-test");
        template.templateParameter("name", null, "The pipeline instance");
        template.templateParameter("llm.realtime.queue-uri", null, "The work queue");
        template.templateParameter("llm.schedule.cron", "", "Quartz cron; empty for none");
        return template;
    }

    @Test
    void a_template_gets_its_declared_parameters_only_and_a_missing_one_falls_back_to_its_default() {
        Map<String, String> values = Map.of("llm.realtime.queue-uri", "seda:a-realtime", "llm.concurrency", "5");

        assertThat(LlmPipeline.parametersOf(template(), "a", values))
                .containsExactly(Map.entry("name", "a"), Map.entry("llm.realtime.queue-uri", "seda:a-realtime"));
    }

    @Test
    void a_declared_setting_with_no_value_and_no_default_is_refused_by_name() {
        assertThatThrownBy(() -> LlmPipeline.parametersOf(template(), "a", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("pipeline a: route template llm-pipeline-test reads llm.realtime.queue-uri, which has no "
                        + "value and no default in the template");
    }

    @Test
    void settings_named_in_a_value_are_filled_in_and_other_placeholders_are_left_to_camel() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("llm.realtime.queue-size", "2000");
        values.put("llm.realtime.queue-uri", "seda:a?size={{llm.realtime.queue-size}}&x={{host.own}}");

        assertThat(LlmPipeline.fillIn(values))
                .containsEntry("llm.realtime.queue-uri", "seda:a?size=2000&x={{host.own}}");
    }

    @Test
    void settings_that_name_each_other_in_a_circle_are_refused() {
        Map<String, String> values = Map.of("llm.output.uri", "{{llm.input.uri}}",
                "llm.input.uri", "{{llm.output.uri}}");

        assertThatThrownBy(() -> LlmPipeline.fillIn(values)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("placeholders name each other in a circle");
    }
}
