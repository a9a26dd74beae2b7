package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.LogCapture;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A camel-master application's {@code camel.cluster.kubernetes.*} settings take effect in k8sensus: the Lease it
 * elects through is the one Camel named, with the lease duration Camel's key gave.
 */
class MigratedSettingsTest {

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
    private final FiringHistory history = new FiringHistory();

    @AfterEach
    void stopApi() {
        api.close();
    }

    @Test
    void camel_cluster_keys_name_the_lease_and_set_its_duration() throws Exception {
        api.addReadyPod("replica-a");
        try (Replica replica = Replica.start(
                "replica-a",
                api,
                history,
                Map.of(
                        "camel.cluster.kubernetes.kubernetes-resource-name", "leaders",
                        "camel.cluster.kubernetes.lease-duration-millis", "4000",
                        "camel.cluster.kubernetes.renew-deadline-millis", "2500"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> "replica-a".equals(api.holder("leaders-heartbeat")));
            Lease lease = api.lease("leaders-heartbeat");
            assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(4);
            assertThat(api.lease("k8sensus-heartbeat"))
                    .as("the Lease of the k8sensus key's name")
                    .isNull();
        }
    }

    @Test
    void the_retired_algorithm_key_is_said_to_be_ignored_once_and_the_replica_leads() throws Exception {
        api.addReadyPod("replica-a");
        try (LogCapture log = LogCapture.of("io.k8sensus.ElectionConfiguration");
                Replica replica =
                        Replica.start("replica-a", api, history, Map.of("k8sensus.election.algorithm", "camel"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> "replica-a".equals(api.holder("k8sensus-heartbeat")));
            assertThat(log.messages())
                    .filteredOn(m -> m.startsWith("event=setting-ignored"))
                    .containsExactly("event=setting-ignored key=k8sensus.election.algorithm value=camel: k8sensus has"
                            + " one elector, the one docs/DESIGN.md describes, inside the Camel cluster"
                            + " service; remove the key");
        }
    }
}
