package io.github.camelllm.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteTemplateDefinition;
import org.apache.camel.model.RouteTemplateParameterDefinition;
import org.apache.camel.model.TemplatedRouteDefinition;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelTestSupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * Camel's test support for the real YAML route files (as packaged from {@code routes/}): the routes made from the
 * templates under test for a pipeline named {@value #NAME} (so {@code direct:llm-*} endpoints and {@code llm.*}
 * beans), stand-ins for the routes they hand over to, and only the beans and properties they use.
 */
abstract class RouteFileTestSupport extends CamelTestSupport {

    static final String NAME = "llm";

    private final String routeFile;
    private final Map<String, String> properties;
    private final Set<String> parts;

    /**
     * @param routeFile  the route file under test, by name (e.g. {@code 20-dispatch.camel.yaml})
     * @param properties the {@code {{llm.*}}} settings its routes read, given to each template that declares them
     */
    RouteFileTestSupport(String routeFile, Map<String, String> properties) {
        this(routeFile, properties, Set.of());
    }

    /** @param parts the templates of the file to make routes of (by id without its prefix); empty: all */
    RouteFileTestSupport(String routeFile, Map<String, String> properties, Set<String> parts) {
        this.routeFile = routeFile;
        this.properties = properties;
        this.parts = parts;
    }

    /** Routes that stand in for the ones the routes under test hand over to (Java DSL); none by default. */
    RouteBuilder standIns() {
        return new RouteBuilder() {
            @Override
            public void configure() {
                // the routes under test end in beans and mock endpoints
            }
        };
    }

    @Override
    protected RoutesBuilder[] createRouteBuilders() throws Exception {
        RoutesLoader loader = PluginHelper.getRoutesLoader(context);
        List<RoutesBuilder> builders = new ArrayList<>();
        for (String file : List.of(routeFile)) {
            builders.addAll(loader.findRoutesBuilders(
                    ResourceHelper.resolveMandatoryResource(context, "classpath:camel-llm-pipeline/routes/" + file)));
        }
        builders.add(new RouteBuilder() {
            @Override
            public void configure() {
                Model model = getContext().getCamelContextExtension().getContextPlugin(Model.class);
                for (RouteTemplateDefinition template : model.getRouteTemplateDefinitions()) {
                    String part = template.getId().substring("llm-pipeline-".length());
                    if (parts.isEmpty() || parts.contains(part)) {
                        TemplatedRouteDefinition route = templatedRoute(template.getId()).routeId(NAME + "-" + part)
                                .parameter("name", NAME);
                        // as the pipeline does: each template gets the values of the parameters it declares
                        for (RouteTemplateParameterDefinition declared : template.getTemplateParameters()) {
                            if (properties.containsKey(declared.getName())) {
                                route.parameter(declared.getName(), properties.get(declared.getName()));
                            }
                        }
                    }
                }
            }
        });
        builders.add(standIns());
        return builders.toArray(RoutesBuilder[]::new);
    }

    @Override
    protected CamelContext createCamelContext() throws Exception {
        CamelContext camel = super.createCamelContext();
        Properties overrides = new Properties();
        overrides.putAll(properties);
        camel.getPropertiesComponent().setOverrideProperties(overrides);
        return camel;
    }
}
