package io.k8sensus.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings of a camel-master application, read as the k8sensus settings that mean the same. */
class CamelClusterKeysTest {

    @Test
    void spring_boot_keys_are_read_as_the_k8sensus_keys_that_mean_the_same_each_with_a_line() {
        CamelClusterKeys.Reading reading = CamelClusterKeys.read(Map.of(
                "camel.cluster.kubernetes.lease-duration-millis", "6000",
                "camel.cluster.kubernetes.renew-deadline-millis", "4000",
                "camel.cluster.kubernetes.retry-period-millis", "1000",
                "camel.cluster.kubernetes.jitter-factor", "1.1",
                "camel.cluster.kubernetes.kubernetes-namespace", "jobs",
                "camel.cluster.kubernetes.config-map-name", "leaders",
                "camel.cluster.kubernetes.cluster-labels[app]", "billing",
                "camel.cluster.kubernetes.master-url", "https://api:6443",
                "k8sensus.election.lease-duration-ms", "15000"));

        assertThat(reading.refused()).isEmpty();
        assertThat(reading.values())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        ElectionSettings.KEY_LEASE_DURATION, "6000",
                        ElectionSettings.KEY_RENEW_DEADLINE, "4000",
                        ElectionSettings.KEY_RETRY_PERIOD, "1000",
                        ElectionSettings.KEY_JITTER, "1.1",
                        ElectionSettings.KEY_NAMESPACE, "jobs",
                        ElectionSettings.KEY_LEASE_PREFIX, "leaders",
                        ElectionSettings.KEY_LABELS, "app=billing",
                        ElectionSettings.KEY_MASTER_URL, "https://api:6443"));
        assertThat(reading.lines())
                .hasSize(8)
                .contains("camel.cluster.kubernetes.renew-deadline-millis=4000 is read as "
                        + ElectionSettings.KEY_RENEW_DEADLINE);
        assertThat(reading.nameOf(ElectionSettings.KEY_RENEW_DEADLINE))
                .isEqualTo("camel.cluster.kubernetes.renew-deadline-millis");
        assertThat(reading.nameOf(ElectionSettings.KEY_GROUPS)).isEqualTo(ElectionSettings.KEY_GROUPS);
    }

    @Test
    void relaxed_spring_names_and_camel_quarkus_keys_are_the_same_keys() {
        CamelClusterKeys.Reading reading = CamelClusterKeys.read(Map.of(
                "camel.cluster.kubernetes.renewDeadlineMillis", "4000",
                "quarkus.camel.cluster.kubernetes.lease-duration-millis", "6000",
                "quarkus.camel.cluster.kubernetes.resource-name", "leaders",
                "quarkus.camel.cluster.kubernetes.rebalancing", "false",
                "quarkus.camel.cluster.kubernetes.labels.\"app.kubernetes.io/name\"", "billing",
                "quarkus.camel.cluster.kubernetes.labels.tier", "jobs"));

        assertThat(reading.refused()).isEmpty();
        assertThat(reading.values())
                .containsEntry(ElectionSettings.KEY_RENEW_DEADLINE, "4000")
                .containsEntry(ElectionSettings.KEY_LEASE_DURATION, "6000")
                .containsEntry(ElectionSettings.KEY_LEASE_PREFIX, "leaders")
                .containsEntry(ElectionSettings.KEY_BALANCE, "false")
                .containsEntry(ElectionSettings.KEY_LABELS, "app.kubernetes.io/name=billing,tier=jobs");
    }

    @Test
    void keys_whose_meaning_k8sensus_cannot_keep_are_refused_with_the_reason_and_a_typo_as_unknown() {
        CamelClusterKeys.Reading reading = CamelClusterKeys.read(Map.of(
                "camel.cluster.kubernetes.enabled", "false",
                "camel.cluster.kubernetes.lease-resource-type", "ConfigMap",
                "camel.cluster.kubernetes.connection-timeout-millis", "3000",
                "camel.cluster.kubernetes.renew-dedline-millis", "4000"));

        assertThat(reading.values()).isEmpty();
        assertThat(reading.refused())
                .hasSize(4)
                .anySatisfy(r -> assertThat(r)
                        .startsWith(
                                "camel.cluster.kubernetes.enabled=false turns Camel's Kubernetes cluster service off"))
                .anySatisfy(r -> assertThat(r)
                        .contains("ConfigMap: k8sensus elects through coordination.k8s.io" + " Leases only"))
                .anySatisfy(r -> assertThat(r).contains("set k8sensus.kubernetes.call-timeout-ms"))
                .anySatisfy(r -> assertThat(r)
                        .isEqualTo("camel.cluster.kubernetes.renew-dedline-millis is not a key"
                                + " of Camel's Kubernetes cluster service (docs/MIGRATING.md"
                                + " lists them)"));
    }

    @Test
    void keys_that_only_name_a_cluster_service_or_say_what_k8sensus_does_are_taken_with_a_line() {
        CamelClusterKeys.Reading reading = CamelClusterKeys.read(Map.of(
                "camel.cluster.kubernetes.enabled", "true",
                "camel.cluster.kubernetes.id", "k8s",
                "camel.cluster.kubernetes.order", "1",
                "camel.cluster.kubernetes.lease-resource-type", "Lease"));

        assertThat(reading.refused()).isEmpty();
        assertThat(reading.values()).isEmpty();
        assertThat(reading.lines()).hasSize(4);
    }

    @Test
    void environment_variables_are_named_as_the_keys_they_set() {
        Map<String, String> found = CamelClusterKeys.fromEnvironment(Map.of(
                "CAMEL_CLUSTER_KUBERNETES_RENEW_DEADLINE_MILLIS", "4000",
                "QUARKUS_CAMEL_CLUSTER_KUBERNETES_POD_NAME", "p-1",
                "CAMEL_CLUSTER_KUBERNETES_CLUSTER_LABELS_APP", "billing",
                "PATH", "/usr/bin"));

        assertThat(found)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "camel.cluster.kubernetes.renew-deadline-millis", "4000",
                        "quarkus.camel.cluster.kubernetes.pod-name", "p-1",
                        "camel.cluster.kubernetes.cluster-labels-app", "billing"));
        assertThat(CamelClusterKeys.read(found).refused())
                .singleElement()
                .asString()
                .contains("a label key cannot be read from an environment variable's name");
    }
}
