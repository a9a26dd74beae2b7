package io.k8sensus.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The Events of a group's Lease: what they say, and the limit that keeps a flapping group from flooding the API. */
class LeaseEventsTest {

    private static final String NS = EmbeddedKubernetesApi.NAMESPACE;

    private static List<Event> events(EmbeddedKubernetesApi api) {
        return api.client().v1().events().inNamespace(NS).list().getItems();
    }

    @Test
    void an_event_regards_the_lease_and_says_who_leads_in_which_epoch() {
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            LeaseEvents events = new LeaseEvents(api::client, NS, "replica-a");
            events.becameLeader("jobs", "k8sensus-jobs", 4);
            events.close(5000);

            assertThat(events(api)).singleElement().satisfies(e -> {
                assertThat(e.getInvolvedObject().getKind()).isEqualTo("Lease");
                assertThat(e.getInvolvedObject().getApiVersion()).isEqualTo("coordination.k8s.io/v1");
                assertThat(e.getInvolvedObject().getName()).isEqualTo("k8sensus-jobs");
                assertThat(e.getReason()).isEqualTo("LeaderElection");
                assertThat(e.getType()).isEqualTo("Normal");
                assertThat(e.getMessage()).isEqualTo("replica-a became leader (epoch 4)");
                assertThat(e.getReportingInstance()).isEqualTo("replica-a");
            });
        }
    }

    @Test
    void a_flapping_group_gets_a_burst_then_one_a_minute_and_the_next_event_counts_what_was_not_written() {
        AtomicLong now = new AtomicLong();
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            LeaseEvents events = new LeaseEvents(api::client, NS, "replica-a", now::get);
            for (int i = 0; i < LeaseEvents.BURST + 3; i++) {
                events.becameLeader("jobs", "k8sensus-jobs", i);
            }
            events.stoppedLeading("heartbeat", "k8sensus-heartbeat", 1); // another group has a budget of its own
            await().atMost(Duration.ofSeconds(10)).until(() -> events(api).size() == LeaseEvents.BURST + 1);

            now.addAndGet(Duration.ofSeconds(LeaseEvents.REFILL_SECONDS).toNanos());
            events.becameLeader("jobs", "k8sensus-jobs", 99);
            events.close(5000);

            assertThat(events(api)).hasSize(LeaseEvents.BURST + 2);
            assertThat(events(api))
                    .extracting(Event::getMessage)
                    .contains(
                            "replica-a stopped leading (epoch 1)",
                            "replica-a became leader (epoch 99); 3 earlier event(s) of this group not written (rate limit: "
                                    + LeaseEvents.BURST + ", then 1 per " + LeaseEvents.REFILL_SECONDS + " s)");
        }
    }
}
