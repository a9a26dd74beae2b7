package io.k8sensus;

import io.k8sensus.camel.RouteOutageLog;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/**
 * What every route of the application gets, whatever its components: a route whose server goes away says so in one
 * line ({@link RouteOutageLog}). Components and their beans (DataSource, ConnectionFactory...) are not wired here:
 * they are a dependency in pom.xml and a {@code - beans:} block in a route file (docs/WIRING.md).
 */
public class RoutesConfiguration implements CamelConfiguration {

    @Override
    public void configure(CamelContext camelContext) {
        camelContext.getManagementStrategy().addEventNotifier(new RouteOutageLog());
    }
}
