package io.github.camelllm.routes;

import org.apache.camel.CamelContext;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.spi.RoutesLoader;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.apache.camel.test.junit5.CamelTestSupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Camel's test support for the real YAML route files (as packaged from {@code routes/}): the routes under test,
 * stand-ins for the routes they hand over to, and only the beans and properties they use.
 */
abstract class RouteFileTestSupport extends CamelTestSupport {

    private final String routeFile;
    private final Map<String, String> properties;

    /**
     * @param routeFile  the route file under test, by name (e.g. {@code dispatch.camel.yaml})
     * @param properties the {@code {{llm.*}}} properties its routes read
     */
    RouteFileTestSupport(String routeFile, Map<String, String> properties) {
        this.routeFile = routeFile;
        this.properties = properties;
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
                    ResourceHelper.resolveMandatoryResource(context, "classpath:routes/" + file)));
        }
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
