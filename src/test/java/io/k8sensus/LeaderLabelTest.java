package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.k8sensus.kube.PodLeaderLabel;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With {@code k8sensus.election.label-leader=true} the leader's Pod, and only it, carries
 * {@code k8sensus.io/leader-<group>=true}, and the label moves with a handover; without it, no Pod is labelled.
 */
class LeaderLabelTest {

    private static final String LABEL = PodLeaderLabel.key("heartbeat");

    private static String label(EmbeddedKubernetesApi api, String pod) {
        Pod p = api.client()
                .pods()
                .inNamespace(EmbeddedKubernetesApi.NAMESPACE)
                .withName(pod)
                .get();
        return p.getMetadata().getLabels() == null
                ? null
                : p.getMetadata().getLabels().get(LABEL);
    }

    @Test
    void the_label_follows_the_leader_through_a_handover() throws Exception {
        Map<String, String> on = Map.of("k8sensus.election.label-leader", "true");
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            api.addReadyPod("replica-a");
            api.addReadyPod("replica-b");
            Replica a = Replica.start("replica-a", api, new FiringHistory(), on);
            await().atMost(Duration.ofSeconds(20)).until(() -> "true".equals(label(api, "replica-a")));
            try (Replica b = Replica.start("replica-b", api, new FiringHistory(), on)) {
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> b.context()
                                .getRouteController()
                                .getRouteStatus("leader-heartbeat")
                                .isStarted());
                assertThat(label(api, "replica-b")).as("a follower").isNull();

                a.stop(); // its Pod stays, as during a rolling update's termination
                await().atMost(Duration.ofSeconds(20)).until(() -> "true".equals(label(api, "replica-b")));
                assertThat(label(api, "replica-a"))
                        .as("removed when replica-a stopped leading")
                        .isNull();
            }
        }
    }

    @Test
    void off_by_default_no_pod_is_labelled() throws Exception {
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            api.addReadyPod("replica-a");
            try (Replica a = Replica.start("replica-a", api, new FiringHistory(), Map.of())) {
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> "replica-a".equals(api.holder("k8sensus-heartbeat")));
                // the label would be set right after the acquisition: 1 s, ten times a handover (0.1 s)
                await().during(Duration.ofSeconds(1))
                        .atMost(Duration.ofSeconds(3))
                        .until(() -> label(api, "replica-a") == null);
            }
        }
    }
}
