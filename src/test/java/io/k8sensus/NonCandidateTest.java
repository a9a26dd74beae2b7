package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.LogCapture;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A replica that is not a candidate (here: no Pod of its name, as with a wrong {@code pod-name}) beside a Lease whose
 * holder is gone: it must say once why it will not lead and write nothing ({@link NonCandidateIT} shows it idles).
 */
class NonCandidateTest {

    private static final String LEASE = "k8sensus-heartbeat";

    @Test
    void a_replica_without_a_pod_says_why_once_writes_nothing_and_idles() throws Exception {
        FiringHistory history = new FiringHistory();
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
                LogCapture election = LogCapture.of("k8sensus.election")) {
            ZonedDateTime longAgo = ZonedDateTime.now().minusHours(1);
            api.client()
                    .leases()
                    .inNamespace(EmbeddedKubernetesApi.NAMESPACE)
                    .resource(new LeaseBuilder()
                            .withNewMetadata()
                            .withName(LEASE)
                            .endMetadata()
                            .withNewSpec()
                            .withHolderIdentity("gone")
                            .withLeaseTransitions(4)
                            .withLeaseDurationSeconds(3)
                            .withAcquireTime(longAgo)
                            .withRenewTime(longAgo)
                            .endSpec()
                            .build())
                    .create();

            try (Replica replica = Replica.start("replica-x", api, history, Map.of())) {
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> election.messages().stream().anyMatch(m -> m.startsWith("event=not-a-candidate")));
                // well past the Lease's expiry and many retry periods (its CPU is measured per process: NonCandidateIT)
                await().during(Duration.ofSeconds(4))
                        .atMost(Duration.ofSeconds(10))
                        .until(() -> "gone".equals(api.holder(LEASE)));
                assertThat(election.messages())
                        .filteredOn(m -> m.startsWith("event=not-a-candidate"))
                        .containsExactly("event=not-a-candidate group=heartbeat pod=replica-x reason=\"no Pod named"
                                + " replica-x with labels app.kubernetes.io/name=k8sensus in namespace "
                                + EmbeddedKubernetesApi.NAMESPACE + " (check k8sensus.election.pod-name,"
                                + " k8sensus.election.candidate-labels and the namespace)\": this replica"
                                + " will not lead until it is one");
                assertThat(api.holder(LEASE)).isEqualTo("gone");
                assertThat(history.of("leader-heartbeat")).isEmpty();

                // once its Pod is there, it takes the expired Lease with the next epoch
                api.addReadyPod("replica-x");
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> !history.of("leader-heartbeat").isEmpty());
                assertThat(api.lease(LEASE).getSpec().getLeaseTransitions()).isEqualTo(5);
                assertThat(election.messages()).contains("event=candidate group=heartbeat pod=replica-x");
            }
        }
    }
}
