package io.k8sensus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.k8sensus.testing.ExternalTool;
import io.k8sensus.testing.Kustomize;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Live reload in a cluster is opt-in: {@code kubectl kustomize examples/live-reload} keeps the routes ConfigMap's name
 * without a content hash (so an apply updates it in place and the kubelet swaps the mounted files) and turns reload
 * on; {@code k8s/} alone keeps the hash (a change rolls the Deployment) and reload off.
 */
class LiveReloadManifestsTest {

    @Test
    void the_component_keeps_one_configmap_name_and_turns_reload_on() throws Exception {
        ExternalTool.requireKubectl();
        List<HasMetadata> with = Kustomize.render(Path.of("examples", "live-reload"));
        assertThat(Kustomize.one(with, ConfigMap.class).getMetadata().getName()).isEqualTo("k8sensus-routes");
        Deployment deployment = Kustomize.one(with, Deployment.class);
        Container container =
                deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(container.getEnv())
                .anyMatch(e -> e.getName().equals("K8SENSUS_ROUTES_RELOAD") && "true".equals(e.getValue()));
        assertThat(deployment.getSpec().getTemplate().getSpec().getVolumes())
                .anyMatch(v ->
                        v.getConfigMap() != null && v.getConfigMap().getName().equals("k8sensus-routes"));
        assertThat(container.getVolumeMounts())
                .as("a subPath mount would never see the kubelet's swap")
                .allMatch(m -> m.getSubPath() == null);

        List<HasMetadata> without = Kustomize.render(Path.of("k8s"));
        assertThat(Kustomize.one(without, ConfigMap.class).getMetadata().getName())
                .startsWith("k8sensus-routes-");
        assertThat(Kustomize.one(without, Deployment.class)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getEnv())
                .noneMatch(e -> e.getName().equals("K8SENSUS_ROUTES_RELOAD"));
    }
}
