package io.k8sensus.wiring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl kustomize examples/sql} (the default deploy plus the SQL recipe) mounts every route file and statement
 * of the recipe, elects its group, lets the Role use its Lease, and takes the database settings from the Secret;
 * {@code kubectl kustomize k8s/} is left as it was. Skipped, and reported so, where kubectl is not installed.
 */
class SqlRecipeManifestsTest {

    @Test
    void the_sql_recipe_overlay_adds_its_routes_group_lease_and_secret_and_the_default_deploy_is_unchanged()
            throws Exception {
        assumeTrue(kubectlAvailable(), "kubectl is not installed: kustomize rendering not checked");
        List<HasMetadata> recipe = render(JobTable.RECIPE);

        ConfigMap routes = one(recipe, ConfigMap.class);
        try (Stream<Path> files = Files.list(JobTable.RECIPE)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".camel.yaml") || f.toString().endsWith(".sql"))
                    .filter(f -> !f.getFileName().toString().equals("schema.sql")).toList()) {
                assertThat(routes.getData()).as("routes ConfigMap").containsEntry(file.getFileName().toString(),
                        Files.readString(file));
            }
        }
        Container container = one(recipe, Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0);
        assertThat(env(container, "K8SENSUS_ELECTION_GROUPS").split(",")).contains("heartbeat", "jobs", "sql-jobs");
        assertThat(container.getEnvFrom()).anyMatch(e -> e.getSecretRef() != null
                                                         && e.getSecretRef().getName().equals("k8sensus-jobs-db"));
        assertThat(one(recipe, Role.class).getRules().get(0).getResourceNames()).contains("k8sensus-sql-jobs");

        List<HasMetadata> plain = render(Path.of("k8s"));
        Container plainContainer = one(plain, Deployment.class).getSpec().getTemplate().getSpec().getContainers()
                .get(0);
        assertThat(plainContainer.getEnvFrom()).isEmpty();
        assertThat(env(plainContainer, "K8SENSUS_ELECTION_GROUPS")).isEqualTo("heartbeat,jobs");
        assertThat(one(plain, Role.class).getRules().get(0).getResourceNames()).doesNotContain("k8sensus-sql-jobs");
        assertThat(one(plain, ConfigMap.class).getData()).doesNotContainKey("jobs-worker.camel.yaml");
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst()
                .orElseThrow();
    }

    private static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
        List<T> found = objects.stream().filter(type::isInstance).map(type::cast).toList();
        assertThat(found).as(type.getSimpleName()).hasSize(1);
        return found.get(0);
    }

    private static List<HasMetadata> render(Path dir) throws Exception {
        Process kubectl = new ProcessBuilder("kubectl", "kustomize", dir.toString()).redirectErrorStream(true).start();
        String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as("kubectl kustomize " + dir + ": " + output).isZero();
        return Stream.of(output.split("(?m)^---\\s*$")).filter(d -> !d.isBlank())
                .map(d -> (HasMetadata) Serialization.unmarshal(d)).toList();
    }

    private static boolean kubectlAvailable() {
        try {
            Process p = new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }
}
