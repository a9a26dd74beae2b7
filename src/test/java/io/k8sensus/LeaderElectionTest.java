package io.k8sensus;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.k8sensus.testing.EmbeddedKubernetesApi;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.FiringHistory.Run;
import io.k8sensus.testing.Replica;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three replicas of the real application on an embedded Kubernetes API, running the shipped YAML routes.
 */
class LeaderElectionTest {

    private static final String LEADER_ROUTE = "leader-heartbeat";
    private static final String REPLICA_ROUTE = "replica-heartbeat";
    private static final String LEASE = "k8sensus-heartbeat";

    /**
     * Worst case from a leader's disappearance to the new leader's first action, from the configured timings: one step
     * (retry period x jitter) to see the Lease, one lease duration if the holder did not release it, and 2 s to
     * spare; doubled for a loaded 2-core machine.
     */
    private static final Duration FAILOVER_BOUND = Duration.ofMillis(
            2 * ((long) (Replica.RETRY_PERIOD_MS * Replica.JITTER) + Replica.LEASE_MS + 1000 + 1000));

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
    private final FiringHistory history = new FiringHistory();
    private final List<Replica> replicas = new ArrayList<>();

    @BeforeEach
    void startReplicas() throws Exception {
        for (String name : List.of("replica-a", "replica-b", "replica-c")) {
            api.addReadyPod(name);
            replicas.add(Replica.start(name, api, history, Map.of()));
        }
    }

    @AfterEach
    void stopReplicas() {
        replicas.forEach(Replica::close);
        api.close();
    }

    @Test
    void leader_only_route_fires_on_exactly_one_replica_named_by_the_lease() {
        await().atMost(Duration.ofSeconds(30)).until(() -> history.of(LEADER_ROUTE).size() >= 10);
        String leader = history.of(LEADER_ROUTE).get(0).replica();

        // a window of further firings: still one replica, the one the Lease names
        long windowStart = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> history.runs(LEADER_ROUTE, windowStart).stream()
                .mapToInt(Run::count).sum() >= 10);

        assertThat(history.runs(LEADER_ROUTE)).extracting(Run::replica).containsExactly(leader);
        assertThat(api.holder(LEASE)).isEqualTo(leader);
        Lease lease = api.lease(LEASE);
        long epoch = lease.getSpec().getLeaseTransitions() == null ? 0 : lease.getSpec().getLeaseTransitions();
        assertThat(history.runs(LEADER_ROUTE).get(0).epochs()).containsExactly(epoch);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (Replica replica : replicas) {
                assertThat(history.count(REPLICA_ROUTE, replica.name())).as(replica.name()).isGreaterThan(0);
            }
        });
    }

    @Test
    void another_replica_takes_over_when_the_leader_stops_and_its_pod_is_deleted() {
        await().atMost(Duration.ofSeconds(30)).until(() -> history.of(LEADER_ROUTE).size() >= 3);
        Replica leader = replicas.stream()
                .filter(r -> r.name().equals(history.of(LEADER_ROUTE).get(0).replica())).findFirst().orElseThrow();

        leader.stop();
        api.deletePod(leader.name());
        long stoppedAt = System.nanoTime();

        await().atMost(FAILOVER_BOUND).until(() -> history.runs(LEADER_ROUTE).size() >= 2);
        List<Run> runs = history.runs(LEADER_ROUTE);
        Run before = runs.get(0);
        Run after = runs.get(1);
        System.out.printf("failover: %d ms from leader stop to first action of %s (bound %d ms)%n",
                (after.firstNanos() - stoppedAt) / 1_000_000, after.replica(), FAILOVER_BOUND.toMillis());

        assertThat(after.replica()).isNotEqualTo(leader.name());
        assertThat(before.replica()).isEqualTo(leader.name());
        assertThat(before.lastNanos()).isLessThan(after.firstNanos());
        assertThat(after.epochs()).allSatisfy(e -> assertThat(e).isGreaterThan(before.epochs().get(0)));
        await().atMost(Duration.ofSeconds(20)).until(() -> after.replica().equals(api.holder(LEASE)));

        // a few more firings: still only the new leader, never the old one again
        long since = System.nanoTime();
        await().atMost(Duration.ofSeconds(20)).until(() -> history.runs(LEADER_ROUTE, since).stream()
                .mapToInt(Run::count).sum() >= 5);
        assertThat(history.runs(LEADER_ROUTE)).extracting(Run::replica).containsExactly(leader.name(), after.replica());
    }

    @Test
    void at_steady_state_only_the_leader_calls_the_api_server_to_renew() {
        await().atMost(Duration.ofSeconds(30)).until(() -> history.of(LEADER_ROUTE).size() >= 3);
        // start-up requests (the first lists, the watches opening) end once every replica follows through watches
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(3 * Replica.RETRY_PERIOD_MS))
                .until(() -> api.takeReplicaRequests().stream().allMatch(r -> r.startsWith("PUT ")));

        List<String> window = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            window.addAll(api.takeReplicaRequests());
            return window.size() >= 10;
        });
        assertThat(window).as("requests of all three replicas at steady state").allMatch(r -> r.equals(
                "PUT /apis/coordination.k8s.io/v1/namespaces/" + EmbeddedKubernetesApi.NAMESPACE + "/leases/" + LEASE));
    }
}
