package io.k8sensus.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.k8sensus.config.ElectionSettings;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.lang.reflect.Method;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The manifests in {@code k8s/} are what they claim to be. */
class ManifestsTest {

    private final Manifests manifests = new Manifests();

    @Test
    void every_manifest_parses_without_unknown_fields() {
        List<String> unknown = new ArrayList<>();
        manifests
                .byFile()
                .forEach((file, objects) -> objects.forEach(o -> collectUnknownFields(
                        o, file.getFileName() + ":" + o.getKind(), unknown, new IdentityHashMap<>())));
        assertThat(unknown)
                .as("fields the Kubernetes model does not know (typos?)")
                .isEmpty();
        assertThat(manifests.all())
                .extracting(HasMetadata::getKind)
                .contains("Namespace", "ServiceAccount", "Role", "RoleBinding", "Deployment", "PodDisruptionBudget");
    }

    @Test
    void kustomization_lists_every_manifest_and_route_file() throws Exception {
        String kustomization = Files.readString(Manifests.DIR.resolve("kustomization.yaml"));
        for (Path file : manifests.byFile().keySet()) {
            assertThat(kustomization).as("kustomization.yaml resources").contains("- " + file.getFileName());
        }
        try (var routes = Files.list(Manifests.DIR.resolve("routes"))) {
            routes.forEach(r ->
                    assertThat(kustomization).as("configMapGenerator files").contains("- routes/" + r.getFileName()));
        }
    }

    @Test
    void pods_meet_the_restricted_pod_security_standard_with_a_read_only_root() {
        PodSpec pod = manifests.one(Deployment.class).getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        for (Container c : pod.getContainers()) {
            assertThat(c.getSecurityContext().getAllowPrivilegeEscalation())
                    .as(c.getName())
                    .isFalse();
            assertThat(c.getSecurityContext().getReadOnlyRootFilesystem())
                    .as(c.getName())
                    .isTrue();
            assertThat(c.getSecurityContext().getCapabilities().getDrop())
                    .as(c.getName())
                    .containsExactly("ALL");
            assertThat(c.getSecurityContext().getCapabilities().getAdd())
                    .as(c.getName())
                    .isNullOrEmpty();
            assertThat(c.getVolumeMounts())
                    .as("writable /tmp for the JVM")
                    .anyMatch(m -> m.getMountPath().equals("/tmp"));
            assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
            assertThat(c.getResources().getLimits()).containsKey("memory");
        }
        assertThat(pod.getVolumes()).anyMatch(v -> v.getName().equals("tmp") && v.getEmptyDir() != null);
        assertThat(pod.getHostNetwork()).isNotEqualTo(Boolean.TRUE);
    }

    @Test
    void selectors_candidate_labels_and_service_account_fit_together() {
        Deployment deployment = manifests.one(Deployment.class);
        Map<String, String> templateLabels =
                deployment.getSpec().getTemplate().getMetadata().getLabels();
        assertThat(templateLabels)
                .containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
        assertThat(templateLabels)
                .containsAllEntriesOf(manifests
                        .one(PodDisruptionBudget.class)
                        .getSpec()
                        .getSelector()
                        .getMatchLabels());

        String labels = manifests
                .deploymentOverrides()
                .getOrDefault(
                        ElectionSettings.KEY_LABELS,
                        Manifests.applicationProperties().getProperty(ElectionSettings.KEY_LABELS));
        assertThat(templateLabels)
                .as("candidate labels select the Deployment's Pods")
                .containsAllEntriesOf(ElectionSettings.parseLabels(labels));

        String serviceAccount = deployment.getSpec().getTemplate().getSpec().getServiceAccountName();
        assertThat(manifests.one(ServiceAccount.class).getMetadata().getName()).isEqualTo(serviceAccount);
        RoleBinding binding = manifests.one(RoleBinding.class);
        assertThat(binding.getSubjects())
                .anyMatch(
                        s -> s.getKind().equals("ServiceAccount") && s.getName().equals(serviceAccount));
        assertThat(binding.getRoleRef().getName())
                .isEqualTo(manifests.role().getMetadata().getName());
    }

    @Test
    void role_names_the_lease_of_every_configured_group() {
        String groups = manifests
                .deploymentOverrides()
                .getOrDefault(
                        ElectionSettings.KEY_GROUPS,
                        Manifests.applicationProperties().getProperty(ElectionSettings.KEY_GROUPS));
        String prefix = Manifests.applicationProperties().getProperty(ElectionSettings.KEY_LEASE_PREFIX);
        List<String> leaseNames = ElectionSettings.parseGroups(groups).stream()
                .map(g -> prefix + "-" + g)
                .toList();
        assertThat(manifests.role().getRules())
                .anyMatch(r -> r.getResources().contains("leases")
                        && r.getResourceNames() != null
                        && r.getResourceNames().containsAll(leaseNames));
    }

    @Test
    void probes_call_endpoints_the_application_serves_and_followers_are_ready() throws Exception {
        Container container = manifests.container();
        int declaredPort = container.getPorts().stream()
                .filter(p -> p.getName().equals("management"))
                .findFirst()
                .orElseThrow()
                .getContainerPort();
        assertThat(Integer.parseInt(Manifests.applicationProperties().getProperty("camel.management.port")))
                .as("camel.management.port")
                .isEqualTo(declaredPort);
        List<HTTPGetAction> probes = List.of(
                container.getStartupProbe().getHttpGet(),
                container.getLivenessProbe().getHttpGet(),
                container.getReadinessProbe().getHttpGet());
        assertThat(probes).allSatisfy(p -> assertThat(p.getPort().getStrVal()).isEqualTo("management"));

        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            FiringHistory history = new FiringHistory();
            List<Replica> replicas = new ArrayList<>();
            List<Integer> ports = new ArrayList<>();
            try {
                for (String name : List.of("replica-a", "replica-b")) {
                    int port = EmbeddedKubernetesApi.freePort();
                    api.addReadyPod(name);
                    replicas.add(Replica.start(
                            name,
                            api,
                            history,
                            Map.of("camel.management.enabled", "true", "camel.management.port", String.valueOf(port))));
                    ports.add(port);
                }
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> !history.of("leader-heartbeat").isEmpty());
                HttpClient http = HttpClient.newHttpClient();
                for (int port : ports) {
                    for (HTTPGetAction probe : probes) {
                        HttpResponse<String> response = http.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + probe.getPath()))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertThat(response.statusCode())
                                .as(probe.getPath() + " on port " + port)
                                .isEqualTo(200);
                        assertThat(response.body()).contains("\"UP\"");
                    }
                }
                assertThat(history.runs("leader-heartbeat"))
                        .as("one leader, one follower")
                        .hasSize(1);
            } finally {
                replicas.forEach(Replica::close);
            }
        }
    }

    /** Unknown YAML fields land in the model's additionalProperties; walk the object tree to find any. */
    private static void collectUnknownFields(
            Object node, String path, List<String> unknown, Map<Object, Boolean> seen) {
        if (node == null || seen.put(node, Boolean.TRUE) != null) {
            return;
        }
        if (node instanceof Collection<?> items) {
            int i = 0;
            for (Object item : items) {
                collectUnknownFields(item, path + "[" + i++ + "]", unknown, seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> collectUnknownFields(v, path + "." + k, unknown, seen));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
            return;
        }
        for (Method getter : node.getClass().getMethods()) {
            if (getter.getParameterCount() != 0
                    || !getter.getName().startsWith("get")
                    || getter.getDeclaringClass() == Object.class) {
                continue;
            }
            try {
                Object value = getter.invoke(node);
                if (getter.getName().equals("getAdditionalProperties")) {
                    ((Map<?, ?>) value).keySet().forEach(k -> unknown.add(path + "." + k));
                } else if (!Set.of("getClass").contains(getter.getName())) {
                    String field = Character.toLowerCase(getter.getName().charAt(3))
                            + getter.getName().substring(4);
                    collectUnknownFields(value, path + "." + field, unknown, seen);
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
