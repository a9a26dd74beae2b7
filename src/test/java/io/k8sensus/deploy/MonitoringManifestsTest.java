package io.k8sensus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.k8sensus.monitoring.MonitoringFiles;
import io.k8sensus.testing.ExternalTool;
import io.k8sensus.testing.Kustomize;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Monitoring is opt-in: {@code kubectl kustomize examples/monitoring} (the default deploy plus the component
 * {@code k8s/components/monitoring}) adds a PodMonitor that scrapes the Deployment's Pods on the port it names for
 * Camel's management server, the PrometheusRule of the alerts and the Grafana dashboard's ConfigMap, all in the
 * Deployment's namespace, and changes nothing else; {@code k8s/} alone has none of them. Skipped where kubectl is not
 * installed, except in CI, where that fails.
 */
class MonitoringManifestsTest {

    private static final Path OVERLAY = Path.of("examples", "monitoring");

    private static List<HasMetadata> ofKind(List<HasMetadata> objects, String kind) {
        return objects.stream().filter(o -> o.getKind().equals(kind)).toList();
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(GenericKubernetesResource resource, String... path) {
        Object value = resource.getAdditionalProperties();
        for (String key : path) {
            value = key.matches("\\d+")
                    ? ((List<Object>) value).get(Integer.parseInt(key))
                    : ((Map<String, Object>) value).get(key);
        }
        return (T) value;
    }

    @Test
    void the_component_scrapes_the_management_port_and_ships_the_alerts_and_the_dashboard() throws Exception {
        ExternalTool.requireKubectl();
        List<HasMetadata> with = Kustomize.render(OVERLAY);
        Deployment deployment = Kustomize.one(with, Deployment.class);
        String namespace = deployment.getMetadata().getNamespace();
        int managementPort = Integer.parseInt(Manifests.applicationProperties()
                .getProperty("camel.management.port")
                .strip());

        assertThat(ofKind(with, "PodMonitor")).hasSize(1);
        GenericKubernetesResource podMonitor =
                (GenericKubernetesResource) ofKind(with, "PodMonitor").get(0);
        assertThat(podMonitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(podMonitor.getMetadata().getNamespace()).isEqualTo(namespace);
        Map<String, String> selected = at(podMonitor, "spec", "selector", "matchLabels");
        assertThat(selected)
                .as("the PodMonitor selects the Deployment's Pods, all of them")
                .isEqualTo(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(selected);
        List<Map<String, Object>> endpoints = at(podMonitor, "spec", "podMetricsEndpoints");
        assertThat(endpoints).hasSize(1);
        String port = (String) endpoints.get(0).get("port");
        List<ContainerPort> ports = deployment
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0)
                .getPorts();
        assertThat(ports)
                .as("the port the PodMonitor names is the container's management port")
                .anyMatch(p -> port.equals(p.getName()) && p.getContainerPort() == managementPort);
        assertThat(endpoints.get(0)).containsEntry("path", "/observe/metrics");
        assertThat(at(podMonitor, "spec", "jobLabel").toString()).isEqualTo("app.kubernetes.io/name");
        assertThat(selected).containsEntry("app.kubernetes.io/name", "k8sensus"); // the rules' job="k8sensus"

        assertThat(ofKind(with, "PrometheusRule")).hasSize(1);
        GenericKubernetesResource rule =
                (GenericKubernetesResource) ofKind(with, "PrometheusRule").get(0);
        assertThat(rule.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.getMetadata().getNamespace()).isEqualTo(namespace);
        assertThat((Object) Serialization.jsonMapper().valueToTree(at(rule, "spec", "groups")))
                .as("the rules applied are those PrometheusRulesTest tests")
                .isEqualTo(MonitoringFiles.ruleGroups());

        ConfigMap dashboard = with.stream()
                .filter(ConfigMap.class::isInstance)
                .map(ConfigMap.class::cast)
                .filter(c -> "1"
                        .equals(
                                c.getMetadata().getLabels() == null
                                        ? null
                                        : c.getMetadata().getLabels().get("grafana_dashboard")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no ConfigMap labelled grafana_dashboard: \"1\""));
        assertThat(dashboard.getMetadata().getNamespace()).isEqualTo(namespace);
        assertThat(dashboard.getMetadata().getName())
                .as("one name, no content hash")
                .isEqualTo("k8sensus-grafana-dashboard");
        assertThat(dashboard.getData()).containsOnlyKeys("k8sensus-election.json");
        assertThat(Serialization.jsonMapper().readTree(dashboard.getData().get("k8sensus-election.json")))
                .isEqualTo(Serialization.jsonMapper()
                        .readTree(MonitoringFiles.DIR.resolve("dashboard.json").toFile()));

        List<HasMetadata> without = Kustomize.render(Path.of("k8s"));
        assertThat(without)
                .noneMatch(o -> o.getKind().equals("PodMonitor")
                        || o.getKind().equals("PrometheusRule")
                        || o.getMetadata()
                                .getName()
                                .equals(dashboard.getMetadata().getName()));
        List<HasMetadata> rest = with.stream()
                .filter(o ->
                        !o.getKind().equals("PodMonitor") && !o.getKind().equals("PrometheusRule") && o != dashboard)
                .toList();
        assertThat(Serialization.asYaml(rest))
                .as("the component changes nothing of k8s/")
                .isEqualTo(Serialization.asYaml(without));
    }
}
