package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input at start-up ends in one line that names the file, key or URI and the rule; the same line
 * {@code K8sensusApplication} logs before it exits with status 1.
 */
class StartupErrorsTest {

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();

    @TempDir
    Path routes;

    @AfterEach
    void stopApi() {
        api.close();
    }

    private String startFailure(Map<String, String> overrides) {
        Throwable failure = catchThrowable(() ->
                Replica.start("replica-x", api, new FiringHistory(), overrides).close());
        assertThat(failure).as("start-up should fail").isNotNull();
        return StartupFailure.describe(failure);
    }

    private Map<String, String> withRoute(String fileName, String yaml) throws Exception {
        Files.writeString(routes.resolve(fileName), yaml);
        return Map.of("k8sensus.routes.dir", routes.toString());
    }

    @Test
    void a_route_file_that_does_not_parse_is_named_with_its_line() throws Exception {
        String message = startFailure(withRoute("broken.camel.yaml", """
                - route:
                    id: "broken"
                    from:
                      uri: "timer:x"
                      steps:
                        - log:
                          message: "unterminated
                """));
        assertThat(message)
                .startsWith(routes.resolve("broken.camel.yaml") + ":8:1: invalid YAML")
                .contains("found unexpected end of stream");
    }

    @Test
    void an_unknown_step_is_named_with_its_line() throws Exception {
        String message = startFailure(withRoute("typo.camel.yaml", """
                - route:
                    id: "typo"
                    from:
                      uri: "timer:x"
                      steps:
                        - lgo:
                            message: "typo"
                """));
        assertThat(message).isEqualTo(routes.resolve("typo.camel.yaml") + ":6:11: invalid YAML: Unknown node id: lgo");
    }

    @Test
    void an_empty_group_in_a_master_uri_is_refused() throws Exception {
        String message = startFailure(withRoute("empty-group.camel.yaml", """
                - route:
                    from:
                      uri: "master::timer:x"
                      steps:
                        - log: "x"
                """));
        assertThat(message)
                .isEqualTo(routes.resolve("empty-group.camel.yaml")
                        + ":3: Invalid leader-only URI 'master::timer:x': expected master:<group>:<endpoint>,"
                        + " e.g. master:heartbeat:timer:tick");
    }

    @Test
    void a_group_that_is_not_configured_is_refused() throws Exception {
        String message = startFailure(withRoute("unknown-group.camel.yaml", """
                - route:
                    from:
                      uri: "master:reports:timer:x"
                      steps:
                        - log: "x"
                """));
        assertThat(message)
                .isEqualTo(routes.resolve("unknown-group.camel.yaml") + ":3: Invalid leader-only URI"
                        + " 'master:reports:timer:x': unknown group 'reports'"
                        + " (k8sensus.election.groups lists [heartbeat])");
    }

    @Test
    void inconsistent_lease_timings_are_refused() {
        String message = startFailure(Map.of("k8sensus.election.renew-deadline-ms", "5000"));
        assertThat(message)
                .isEqualTo("Invalid election settings: k8sensus.election.renew-deadline-ms (5000) must be"
                        + " below k8sensus.election.lease-duration-ms (3000): a leader must stop acting"
                        + " before its lease can expire");
    }

    @Test
    void a_camel_cluster_key_from_a_migrated_application_is_checked_and_named_as_it_was_written() {
        String message = startFailure(Map.of("camel.cluster.kubernetes.renew-deadline-millis", "99999"));
        assertThat(message)
                .isEqualTo("Invalid election settings: camel.cluster.kubernetes.renew-deadline-millis"
                        + " (99999) must be below k8sensus.election.lease-duration-ms (3000): a leader"
                        + " must stop acting before its lease can expire");
    }

    @Test
    void a_camel_cluster_key_given_as_a_jvm_system_property_is_checked_too() {
        String key = "camel.cluster.kubernetes.renew-deadline-millis";
        System.setProperty(key, "99999");
        try {
            assertThat(startFailure(Map.of()))
                    .startsWith("Invalid election settings: " + key + " (99999) must be" + " below");
        } finally {
            System.clearProperty(key);
        }
    }

    @Test
    void a_camel_cluster_key_whose_meaning_cannot_be_kept_is_refused() {
        String message = startFailure(Map.of("camel.cluster.kubernetes.lease-resource-type", "ConfigMap"));
        assertThat(message)
                .startsWith("Invalid election settings: camel.cluster.kubernetes.lease-resource-type"
                        + "=ConfigMap: k8sensus elects through coordination.k8s.io Leases only");
    }

    @Test
    void a_routes_directory_that_does_not_exist_is_refused() {
        String message = startFailure(
                Map.of("k8sensus.routes.dir", routes.resolve("missing").toString()));
        assertThat(message).isEqualTo("k8sensus.routes.dir = " + routes.resolve("missing") + " is not a directory");
    }
}
