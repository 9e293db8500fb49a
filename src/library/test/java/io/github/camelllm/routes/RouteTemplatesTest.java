package io.github.camelllm.routes;

import io.github.camelllm.LlmPipeline;
import io.github.camelllm.config.Setting;
import io.github.camelllm.config.SettingsSpec;
import org.apache.camel.CamelContext;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.RouteTemplateParameterDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The route files as a contract: each template declares the parameters it reads and reads the ones it declares,
 * every exchange property a route tests is set by a route of the same file, and the pipeline gives each template
 * only what it declares.
 */
class RouteTemplatesTest {

    private static final Path ROUTES = Path.of(System.getProperty("project.root", "../.."), "routes");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^}]+)}}");
    private static final Pattern PROPERTY = Pattern.compile("\\$\\{exchangeProperty\\.([A-Za-z0-9_]+)");
    /** The keys of a step that hold its predicate (or its expression), not its own steps. */
    private static final Set<String> NOT_THE_PREDICATE = Set.of("steps", "id", "description", "note",
            "statusPropertyName");

    @TempDir
    Path tmp;

    /** One route file, parsed: its templates, by id. */
    record RouteFile(String name, Map<String, Map<String, Object>> templates) {
    }

    static List<RouteFile> routeFiles() throws IOException {
        List<RouteFile> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(ROUTES)) {
            for (Path file : list.filter(p -> p.toString().endsWith(".camel.yaml")).sorted().toList()) {
                Map<String, Map<String, Object>> templates = new LinkedHashMap<>();
                for (Object item : (List<?>) new Load(LoadSettings.builder().build())
                        .loadFromString(Files.readString(file))) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> template = (Map<String, Object>) ((Map<?, ?>) item).get("routeTemplate");
                    assertThat(template).as(file + ": every entry is a route template").isNotNull();
                    templates.put((String) template.get("id"), template);
                }
                files.add(new RouteFile(file.getFileName().toString(), templates));
            }
        }
        return files;
    }

    @Test
    void the_files_are_named_in_flow_order_and_open_with_what_they_do() throws IOException {
        try (Stream<Path> list = Files.list(ROUTES)) {
            for (Path file : list.filter(p -> p.toString().endsWith(".camel.yaml")).toList()) {
                assertThat(file.getFileName().toString()).matches("[0-9]{2}-[a-z]+\\.camel\\.yaml");
                assertThat(Files.readAllLines(file).get(0)).as(file + " opens with a comment").startsWith("# ");
            }
        }
    }

    @Test
    void each_template_declares_the_parameters_it_reads_and_reads_the_ones_it_declares() throws IOException {
        int templates = 0;
        for (RouteFile file : routeFiles()) {
            for (Map.Entry<String, Map<String, Object>> t : file.templates().entrySet()) {
                templates++;
                String where = file.name() + " " + t.getKey();
                Map<String, String> declared = declared(t.getValue());
                Set<String> read = new LinkedHashSet<>();
                strings(t.getValue().get("route"), s -> {
                    Matcher m = PLACEHOLDER.matcher(s);
                    while (m.find()) {
                        read.add(m.group(1));
                    }
                });
                assertThat(declared.keySet()).as(where + ": declared parameters")
                        .containsExactlyInAnyOrderElementsOf(read);
                assertThat(declared).as(where + ": every parameter is described").doesNotContainValue("");
                for (String key : declared.keySet()) {
                    if (!key.equals("name")) {
                        Setting setting = SettingsSpec.find(key);
                        assertThat(setting).as(where + ": " + key + " is a setting").isNotNull();
                        assertThat(setting.secret()).as(where + ": " + key + " is no secret").isFalse();
                    }
                }
            }
        }
        assertThat(templates).isEqualTo(34);
    }

    @Test
    void every_property_a_route_tests_is_set_by_a_route_of_the_same_file() throws IOException {
        for (RouteFile file : routeFiles()) {
            Set<String> set = new LinkedHashSet<>();
            Set<String> tested = new LinkedHashSet<>();
            walk(file.templates(), (key, value) -> {
                if (key.equals("setProperty") && value instanceof Map<?, ?> step) {
                    set.add((String) step.get("name"));
                }
                if ((key.equals("filter") || key.equals("loop")) && value instanceof Map<?, ?> step) {
                    predicate(step, tested);
                }
                if (key.equals("when") && value instanceof List<?> whens) {
                    whens.forEach(w -> predicate((Map<?, ?>) w, tested));
                }
                if (key.equals("precondition")) {
                    predicate(Map.of("precondition", value), tested);
                }
            });
            assertThat(set).as(file.name() + ": the properties its routes test are set in it").containsAll(tested);
        }
    }

    @Test
    void the_pipeline_gives_each_template_only_the_parameters_it_declares() throws Exception {
        try (CamelContext camel = started("llm", Map.of())) {
            Model model = camel.getCamelContextExtension().getContextPlugin(Model.class);
            Map<String, Set<String>> declared = new TreeMap<>();
            for (RouteTemplateDefinition t : model.getRouteTemplateDefinitions()) {
                declared.put(t.getId(), t.getTemplateParameters().stream()
                        .map(RouteTemplateParameterDefinition::getName).collect(Collectors.toSet()));
            }
            assertThat(camel.getRoutes()).hasSize(31); // all but results-in, schedule and deliver-result
            for (RouteDefinition route : model.getRouteDefinitions()) {
                String template = "llm-pipeline-" + route.getRouteId().substring("llm-".length());
                // Camel adds a camelCase twin of each dashed name (poll-ms, pollMs)
                Set<String> given = route.getTemplateParameters().keySet().stream()
                        .map(k -> k.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase()).collect(Collectors.toSet());
                assertThat(given).as(route.getRouteId()).isSubsetOf(declared.get(template));
            }
            assertThat(camel.getRoute("llm-realtime").getEndpoint().getEndpointUri())
                    .as("a setting named in another's value is filled in").contains("size=2000");
        }
    }

    @Test
    void routes_without_anything_to_do_do_not_exist() throws Exception {
        try (CamelContext camel = started("a", Map.of())) {
            assertThat(camel.getRoute("a-results-in")).as("results come back to this instance's own route").isNull();
            assertThat(camel.getRoute("a-schedule")).as("no cron").isNull();
        }
        try (CamelContext camel = started("a", Map.of("results.uri", "seda:a-results-elsewhere",
                "schedule.cron", "0 0 2 * * ?"))) {
            assertThat(camel.getRoute("a-results-in")).isNotNull();
            assertThat(camel.getRoute("a-schedule")).isNotNull();
        }
    }

    /** A started context with one pipeline that calls no server (none is needed to build its routes). */
    private CamelContext started(String name, Map<String, String> settings) {
        CamelContext camel = new DefaultCamelContext();
        LlmPipeline.named(name).set("base-url", "http://127.0.0.1:9/v1")
                .set("outbox", tmp.resolve(name + "/outbox").toString())
                .set("schedule.folder", tmp.resolve(name + "/scheduled").toString()).set(settings).addTo(camel);
        camel.start();
        return camel;
    }

    private static Map<String, String> declared(Map<String, Object> template) {
        Map<String, String> declared = new LinkedHashMap<>();
        for (Object p : (List<?>) template.get("parameters")) {
            Map<?, ?> parameter = (Map<?, ?>) p;
            Object description = parameter.get("description");
            declared.put((String) parameter.get("name"), description == null ? "" : description.toString().trim());
        }
        return declared;
    }

    /** The exchange properties a predicate (a filter's, a when's, a precondition) reads. */
    private static void predicate(Map<?, ?> step, Set<String> tested) {
        step.forEach((key, value) -> {
            if (!NOT_THE_PREDICATE.contains(key.toString())) {
                strings(value, s -> {
                    Matcher m = PROPERTY.matcher(s);
                    while (m.find()) {
                        tested.add(m.group(1));
                    }
                });
            }
        });
    }

    private static void strings(Object node, java.util.function.Consumer<String> each) {
        if (node instanceof String s) {
            each.accept(s);
        } else if (node instanceof Map<?, ?> map) {
            map.values().forEach(v -> strings(v, each));
        } else if (node instanceof List<?> list) {
            list.forEach(v -> strings(v, each));
        }
    }

    private static void walk(Object node, java.util.function.BiConsumer<String, Object> each) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                each.accept(k.toString(), v);
                walk(v, each);
            });
        } else if (node instanceof List<?> list) {
            list.forEach(v -> walk(v, each));
        }
    }
}
