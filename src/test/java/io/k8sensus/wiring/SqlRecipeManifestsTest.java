package io.k8sensus.wiring;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.k8sensus.testing.ExternalTool;
import io.k8sensus.testing.Kustomize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code kubectl kustomize examples/sql} (the default deploy plus the SQL recipe) mounts every route file and statement
 * of the recipe, elects its group, lets the Role use its Lease, and takes the database settings from the Secret;
 * {@code kubectl kustomize k8s/} is left as it was. Skipped, and reported so, where kubectl is not installed (failed in CI).
 */
class SqlRecipeManifestsTest {

    @Test
    void the_sql_recipe_overlay_adds_its_routes_group_lease_and_secret_and_the_default_deploy_is_unchanged()
            throws Exception {
        ExternalTool.requireKubectl();
        List<HasMetadata> recipe = Kustomize.render(JobTable.RECIPE);

        ConfigMap routes = Kustomize.one(recipe, ConfigMap.class);
        try (Stream<Path> files = Files.list(JobTable.RECIPE)) {
            for (Path file : files.filter(f ->
                            f.toString().endsWith(".camel.yaml") || f.toString().endsWith(".sql"))
                    .filter(f -> !f.getFileName().toString().equals("schema.sql"))
                    .toList()) {
                assertThat(routes.getData())
                        .as("routes ConfigMap")
                        .containsEntry(file.getFileName().toString(), Files.readString(file));
            }
        }
        Container container = Kustomize.one(recipe, Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        assertThat(env(container, "K8SENSUS_ELECTION_GROUPS").split(",")).contains("heartbeat", "jobs", "sql-jobs");
        assertThat(container.getEnvFrom())
                .anyMatch(e ->
                        e.getSecretRef() != null && e.getSecretRef().getName().equals("k8sensus-jobs-db"));
        assertThat(Kustomize.one(recipe, Role.class).getRules().get(0).getResourceNames())
                .contains("k8sensus-sql-jobs");

        List<HasMetadata> plain = Kustomize.render(Path.of("k8s"));
        Container plainContainer = Kustomize.one(plain, Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        assertThat(plainContainer.getEnvFrom()).isEmpty();
        assertThat(env(plainContainer, "K8SENSUS_ELECTION_GROUPS")).isEqualTo("heartbeat,jobs");
        assertThat(Kustomize.one(plain, Role.class).getRules().get(0).getResourceNames())
                .doesNotContain("k8sensus-sql-jobs");
        assertThat(Kustomize.one(plain, ConfigMap.class).getData()).doesNotContainKey("jobs-worker.camel.yaml");
    }

    private static String env(Container container, String name) {
        return container.getEnv().stream()
                .filter(e -> e.getName().equals(name))
                .map(EnvVar::getValue)
                .findFirst()
                .orElseThrow();
    }
}
