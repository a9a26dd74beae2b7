package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.LogCapture;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import io.k8sensus.tools.EmbeddedKubernetesApi.FaultyConnection;
import io.k8sensus.tools.FaultSwitch;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One renewal answered too late (a loaded API server, or a replica starved of CPU while its neighbours start) must
 * not cost the leader its term: it keeps acting and renews again before its renew deadline, with the same epoch.
 */
class SlowRenewalTest {

    /** Room for a retry: a renewal times out after 0.8 s, and the next one comes well before the 3 s deadline. */
    private static final Map<String, String> TIMINGS = Map.of(
            "k8sensus.election.lease-duration-ms", "4000",
            "k8sensus.election.renew-deadline-ms", "3000",
            "k8sensus.kubernetes.call-timeout-ms", "800");

    /**
     * Every answer to the leader, and every watch event it gets, 1.2 s late (60 % of its 2 s renew deadline; its
     * renewals go out every 0.4-0.48 s, so the bound is 2 - 0.48 = 1.52 s): renewals overlap, and the leader keeps
     * acting, in one term. With one renewal out at a time this lost the term at every renewal (bound: R/2).
     */
    @Test
    void a_leader_whose_every_answer_comes_60_percent_of_the_renew_deadline_late_keeps_acting_in_one_term()
            throws Exception {
        FiringHistory history = new FiringHistory();
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
                LogCapture election = LogCapture.of("k8sensus.election")) {
            FaultyConnection connection = api.faultyConnection();
            api.addReadyPod("replica-a");
            api.addReadyPod("replica-b");
            try (Replica a = startLeader(connection, history, Map.of());
                    Replica b = Replica.start("replica-b", api.url(), history, Map.of())) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> history.count("replica-heartbeat", "replica-b") >= 2);
                Integer epoch = api.lease("k8sensus-heartbeat").getSpec().getLeaseTransitions();

                connection.faults().slow(1200);
                long slowFrom = System.nanoTime();
                Thread.sleep(8000);
                long slowTo = System.nanoTime();
                connection.faults().set(FaultSwitch.Mode.NORMAL);

                long acted = history.of("leader-heartbeat").stream()
                        .filter(f -> f.nanos() > slowFrom && f.nanos() <= slowTo)
                        .count();
                System.out.printf(
                        "answers 1200 ms late for 8 s: %d leader actions of 40, suspensions %d%n",
                        acted,
                        election.messages().stream()
                                .filter(m -> m.startsWith("event=term-suspended"))
                                .count());
                assertThat(history.runs("leader-heartbeat"))
                        .extracting(FiringHistory.Run::replica)
                        .as("the leader never changed")
                        .containsExactly("replica-a");
                assertThat(history.runs("leader-heartbeat").get(0).epochs())
                        .as("one term")
                        .hasSize(1);
                assertThat(acted).as("leader actions every 200 ms for 8 s").isGreaterThanOrEqualTo(36);
                assertThat(api.lease("k8sensus-heartbeat").getSpec().getLeaseTransitions())
                        .isEqualTo(epoch);
                assertThat(election.messages())
                        .noneMatch(m -> m.startsWith("event=renew-deadline") || m.startsWith("event=lost"));
            }
        }
    }

    @Test
    void a_leader_whose_renewal_times_out_once_renews_again_and_keeps_its_term() throws Exception {
        FiringHistory history = new FiringHistory();
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
                LogCapture election = LogCapture.of("k8sensus.election")) {
            FaultyConnection connection = api.faultyConnection();
            api.addReadyPod("replica-a");
            api.addReadyPod("replica-b");
            try (Replica a = startLeader(connection, history, TIMINGS);
                    Replica b = Replica.start("replica-b", api.url(), history, TIMINGS)) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> history.count("replica-heartbeat", "replica-b") >= 2);
                Integer epoch = api.lease("k8sensus-heartbeat").getSpec().getLeaseTransitions();

                // the next renewal is applied, but its answer comes after the call timeout
                connection.faults().set(FaultSwitch.Mode.LATE_ACK_WRITES);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> election.messages().stream().anyMatch(m -> m.startsWith("event=renew-failed")));
                connection.faults().set(FaultSwitch.Mode.NORMAL);
                long recoveredAt = System.nanoTime();

                // longer than the renew deadline and a lease duration together: time enough for a takeover
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> history.of("replica-heartbeat").stream()
                                        .filter(f -> f.replica().equals("replica-b") && f.nanos() > recoveredAt)
                                        .count()
                                >= 40);

                assertThat(history.runs("leader-heartbeat"))
                        .extracting(FiringHistory.Run::replica)
                        .as("the leader never changed")
                        .containsExactly("replica-a");
                assertThat(history.runs("leader-heartbeat").get(0).epochs())
                        .as("one term")
                        .hasSize(1);
                assertThat(history.of("leader-heartbeat").stream()
                                .filter(f -> f.nanos() > recoveredAt)
                                .count())
                        .as("the leader acted after the slow renewal")
                        .isGreaterThan(20);
                assertThat(api.holder("k8sensus-heartbeat")).isEqualTo("replica-a");
                assertThat(api.lease("k8sensus-heartbeat").getSpec().getLeaseTransitions())
                        .isEqualTo(epoch);
                assertThat(election.messages())
                        .noneMatch(m -> m.startsWith("event=renew-deadline") || m.startsWith("event=lost"));
            }
        }
    }

    /**
     * Starts replica-a, the one behind the faulty connection, and waits until it leads: replica-b starts only then,
     * so the faults always fall on the leader (started together, either could take the Lease first).
     */
    private static Replica startLeader(FaultyConnection connection, FiringHistory history, Map<String, String> timings)
            throws Exception {
        Replica a = Replica.start("replica-a", connection.url(), history, timings);
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> history.count("leader-heartbeat", "replica-a") >= 2);
            return a;
        } catch (RuntimeException e) {
            a.close();
            throw e;
        }
    }
}
