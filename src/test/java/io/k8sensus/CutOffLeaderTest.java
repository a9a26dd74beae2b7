package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.FiringHistory.Firing;
import io.k8sensus.testing.LogCapture;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import io.k8sensus.tools.EmbeddedKubernetesApi.FaultyConnection;
import io.k8sensus.tools.FaultSwitch;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The leader loses its connection to the API server while its Pod stays Ready: it stops acting by its renew
 * deadline, and another replica takes over after the Lease has not changed for a lease duration. Never both.
 */
class CutOffLeaderTest {

    @Test
    void a_leader_cut_off_from_the_api_stops_and_is_replaced_without_overlap() throws Exception {
        checkCutOff(FaultSwitch.Mode.BLACKHOLE);
    }

    @Test
    void a_leader_whose_api_answers_500_stops_and_is_replaced_without_overlap() throws Exception {
        checkCutOff(FaultSwitch.Mode.FAIL_500);
    }

    private void checkCutOff(FaultSwitch.Mode fault) throws Exception {
        FiringHistory history = new FiringHistory();
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
                LogCapture election = LogCapture.of("k8sensus.election")) {
            FaultyConnection connection = api.faultyConnection();
            api.addReadyPod("replica-a");
            api.addReadyPod("replica-b");
            try (Replica a = Replica.start("replica-a", connection.url(), history, Map.of())) {
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> history.of("leader-heartbeat").size() >= 2);
                try (Replica b = Replica.start("replica-b", api, history, Map.of())) {
                    // replica-b runs and follows
                    await().atMost(Duration.ofSeconds(30))
                            .until(() -> history.count("replica-heartbeat", "replica-b") >= 3);

                    long cutAt = System.nanoTime();
                    connection.faults().set(fault);

                    await().atMost(Duration.ofSeconds(30))
                            .until(() -> history.count("leader-heartbeat", "replica-b") >= 5);
                    List<Firing> firings = history.of("leader-heartbeat");
                    long lastOfA = firings.stream()
                            .filter(f -> f.replica().equals("replica-a"))
                            .mapToLong(Firing::nanos)
                            .max()
                            .orElseThrow();
                    long firstOfB = firings.stream()
                            .filter(f -> f.replica().equals("replica-b"))
                            .mapToLong(Firing::nanos)
                            .min()
                            .orElseThrow();
                    System.out.printf(
                            "cut off (%s): replica-a last acted %d ms after the cut, replica-b first acted"
                                    + " %d ms after it%n",
                            fault, (lastOfA - cutAt) / 1_000_000, (firstOfB - cutAt) / 1_000_000);
                    assertThat(lastOfA)
                            .as("the cut-off leader stopped before the new one acted")
                            .isLessThan(firstOfB);
                    assertThat(history.runs("leader-heartbeat"))
                            .extracting(FiringHistory.Run::replica)
                            .containsExactly("replica-a", "replica-b");
                    assertThat(api.holder("k8sensus-heartbeat")).isEqualTo("replica-b");
                    // the follower said beforehand that the holder had stopped renewing, and when it would take over
                    assertThat(election.entries())
                            .filteredOn(
                                    e -> e.message()
                                            .startsWith(
                                                    "event=holder-silent group=heartbeat pod=replica-b holder=replica-a takeover-in-ms="))
                            .singleElement()
                            .satisfies(e -> assertThat(e.nanos()).isBetween(cutAt, firstOfB));
                }
            }
        }
    }
}
