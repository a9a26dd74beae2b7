package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code kubectl get events} shows of a handover: who became leader and who stopped, with the epochs. */
class LeaderEventsTest {

    @Test
    void a_handover_leaves_events_on_the_lease_with_both_terms() throws Exception {
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            api.addReadyPod("replica-a");
            api.addReadyPod("replica-b");
            Replica a = Replica.start("replica-a", api, new FiringHistory(), Map.of());
            await().atMost(Duration.ofSeconds(20)).until(() -> "replica-a".equals(api.holder("k8sensus-heartbeat")));
            try (Replica b = Replica.start("replica-b", api, new FiringHistory(), Map.of())) {
                a.stop();
                await().atMost(Duration.ofSeconds(20))
                        .until(() -> messages(api).contains("replica-b became leader (epoch 1)"));
                assertThat(messages(api))
                        .containsExactly(
                                "replica-a became leader (epoch 0)",
                                "replica-a stopped leading (epoch 0)",
                                "replica-b became leader (epoch 1)");
                assertThat(events(api)).allSatisfy(e -> {
                    assertThat(e.getInvolvedObject().getName()).isEqualTo("k8sensus-heartbeat");
                    assertThat(e.getReason()).isEqualTo("LeaderElection");
                });
            }
        }
    }

    private static List<Event> events(EmbeddedKubernetesApi api) {
        return api.client().v1().events().inNamespace(EmbeddedKubernetesApi.NAMESPACE).list().getItems().stream()
                .sorted(Comparator.comparing(Event::getLastTimestamp))
                .toList();
    }

    private static List<String> messages(EmbeddedKubernetesApi api) {
        return events(api).stream().map(Event::getMessage).toList();
    }
}
