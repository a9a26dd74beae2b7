package io.k8sensus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.k8sensus.testing.DirectoryCopy;
import io.k8sensus.testing.ExternalTool;
import io.k8sensus.testing.Kustomize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kubectl kustomize k8s/} (what {@code kubectl apply -k k8s/} applies) renders the routes ConfigMap and the
 * Deployment that mounts it, and editing a route changes the ConfigMap's name, so that applying it rolls the
 * Deployment onto the new routes. Skipped, and reported so, where kubectl is not installed (failed in CI).
 */
class KustomizeTest {

    @TempDir
    Path copy;

    @Test
    void routes_become_a_configmap_whose_name_changes_with_their_content() throws Exception {
        ExternalTool.requireKubectl();
        Rendered before = render(Manifests.DIR);
        try (Stream<Path> routes = Files.list(Manifests.DIR.resolve("routes"))) {
            for (Path route : routes.toList()) {
                assertThat(before.routes().getData())
                        .containsEntry(route.getFileName().toString(), Files.readString(route));
            }
        }
        assertThat(before.deployment().getSpec().getTemplate().getSpec().getVolumes())
                .anyMatch(v -> v.getConfigMap() != null
                        && v.getConfigMap()
                                .getName()
                                .equals(before.routes().getMetadata().getName()));
        assertThat(before.all())
                .allMatch(o -> o.getKind().equals("Namespace")
                        || "k8sensus".equals(o.getMetadata().getNamespace()));

        DirectoryCopy.copy(Manifests.DIR, copy);
        Path route = copy.resolve("routes/leader-job.camel.yaml");
        Files.writeString(route, Files.readString(route).replace("period: \"60000\"", "period: \"30000\""));
        Rendered after = render(copy);
        assertThat(after.routes().getMetadata().getName())
                .as("ConfigMap name after a route edit")
                .isNotEqualTo(before.routes().getMetadata().getName());
        assertThat(after.deployment().getSpec().getTemplate().getSpec().getVolumes())
                .anyMatch(v -> v.getConfigMap() != null
                        && v.getConfigMap()
                                .getName()
                                .equals(after.routes().getMetadata().getName()));
    }

    record Rendered(List<HasMetadata> all) {
        ConfigMap routes() {
            return all.stream()
                    .filter(ConfigMap.class::isInstance)
                    .map(ConfigMap.class::cast)
                    .filter(c -> c.getMetadata().getName().startsWith("k8sensus-routes-"))
                    .findFirst()
                    .orElseThrow();
        }

        Deployment deployment() {
            return all.stream()
                    .filter(Deployment.class::isInstance)
                    .map(Deployment.class::cast)
                    .findFirst()
                    .orElseThrow();
        }
    }

    private static Rendered render(Path dir) throws Exception {
        return new Rendered(Kustomize.render(dir));
    }
}
