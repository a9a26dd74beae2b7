package io.k8sensus.routes;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8sensus.testing.DirectoryCopy;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A group is named once, in its route: {@code make manifests} writes the rest of what the deploy needs (the file in
 * the ConfigMap, the group in K8SENSUS_ELECTION_GROUPS, its Lease in the Role), and k8s/ as shipped is up to date.
 */
class ManifestsCommandTest {

    @TempDir
    Path copy;

    @Test
    void the_shipped_deploy_directory_is_up_to_date_with_its_routes() throws Exception {
        assertThat(ManifestsCommand.update(Path.of("k8s")))
                .as("run make manifests")
                .isEmpty();
    }

    @Test
    void a_new_route_file_with_a_new_group_is_all_it_takes() throws Exception {
        DirectoryCopy.copy(Path.of("k8s"), copy);
        Files.writeString(copy.resolve("routes/reports.camel.yaml"), """
                - route:
                    id: "reports"
                    from:
                      uri: "master:reports:timer:reports"
                      steps:
                        - log: "report"
                """);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int status = ManifestsCommand.run(
                List.of(copy.toString()), new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertThat(status).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8).lines().toList())
                .hasSize(4)
                .first()
                .isEqualTo("manifests:"
                        + " components the routes use: master (camel-master), timer (camel-timer); all in this"
                        + " image");
        assertThat(out.toString(StandardCharsets.UTF_8).lines().skip(1))
                .allMatch(l -> l.startsWith("manifests: wrote"));

        assertThat(Files.readString(copy.resolve("kustomization.yaml")))
                .contains("      - routes/leader-job.camel.yaml\n      - routes/reports.camel.yaml\n");
        assertThat(Files.readString(copy.resolve("deployment.yaml"))).contains("value: heartbeat,jobs,reports");
        assertThat(Files.readString(copy.resolve("rbac.yaml")))
                .contains("resourceNames: [\"k8sensus-heartbeat\", \"k8sensus-jobs\", \"k8sensus-reports\"]");
        assertThat(ManifestsCommand.update(copy))
                .as("a second run changes nothing")
                .isEmpty();

        // what the deploy runs now passes the check against these manifests
        assertThat(ValidateCommand.check(RouteFile.read(copy.resolve("routes")), ManifestCheck.read(copy)))
                .isEmpty();

        // and --check says so when a route is added without running it
        Files.writeString(
                copy.resolve("routes/more.camel.yaml"),
                Files.readString(copy.resolve("routes/reports.camel.yaml")).replace("reports", "more"));
        assertThat(ManifestsCommand.run(
                        List.of("--check", copy.toString()), new PrintStream(new ByteArrayOutputStream()), System.err))
                .isEqualTo(1);
    }
}
