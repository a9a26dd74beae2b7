package io.k8sensus.routes;

import java.util.Optional;
import java.util.TreeSet;
import org.apache.camel.catalog.DefaultCamelCatalog;
import org.apache.camel.tooling.model.ComponentModel;

/**
 * Every component of this Camel version, as Camel's own catalog ({@code camel-catalog}) lists them, whether or not the
 * image has it: the Maven artifact a scheme comes from, and the nearest scheme to one that is no Camel component.
 */
final class CamelComponents {

    private final DefaultCamelCatalog catalog = new DefaultCamelCatalog(true);

    /** {@code groupId:artifactId} of the component of {@code scheme}, if Camel has one. */
    Optional<String> artifact(String scheme) {
        ComponentModel model = catalog.componentModel(scheme);
        return model == null ? Optional.empty() : Optional.of(model.getGroupId() + ":" + model.getArtifactId());
    }

    /** The schemes nearest to one Camel does not have, or null when none is near. */
    String[] nearest(String scheme) {
        return new ClosestOption().suggestEndpointOptions(new TreeSet<>(catalog.findComponentNames()), scheme);
    }

    /** The Camel version of the catalog. */
    String version() {
        return catalog.getCatalogVersion();
    }
}
