package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.FiringHistory.Run;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three replicas of the real application on an embedded Kubernetes API, running the shipped YAML routes.
 */
class LeaderElectionTest {

    private static final String LEADER_ROUTE = "leader-heartbeat";
    private static final String REPLICA_ROUTE = "replica-heartbeat";
    private static final String LEASE = "k8sensus-heartbeat";

    /**
     * A leader that stops releases the Lease, and a follower that watches it takes over within tens of milliseconds.
     * Half a lease duration is far above that and far below what an elector that did not release would need: its
     * followers take over a lease duration after the last renewal, at least a lease duration less one retry period
     * (x jitter) after the stop began (2.5 s with these timings).
     */
    private static final Duration HANDOVER_BOUND = Duration.ofMillis(Replica.LEASE_MS / 2);

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
        await().atMost(Duration.ofSeconds(30))
                .until(() -> history.of(LEADER_ROUTE).size() >= 10);
        String leader = history.of(LEADER_ROUTE).get(0).replica();

        // a window of further firings: still one replica, the one the Lease names
        long windowStart = System.nanoTime();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> history.runs(LEADER_ROUTE, windowStart).stream()
                                .mapToInt(Run::count)
                                .sum()
                        >= 10);

        assertThat(history.runs(LEADER_ROUTE)).extracting(Run::replica).containsExactly(leader);
        assertThat(api.holder(LEASE)).isEqualTo(leader);
        Lease lease = api.lease(LEASE);
        long epoch = lease.getSpec().getLeaseTransitions() == null
                ? 0
                : lease.getSpec().getLeaseTransitions();
        assertThat(history.runs(LEADER_ROUTE).get(0).epochs()).containsExactly(epoch);

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (Replica replica : replicas) {
                assertThat(history.count(REPLICA_ROUTE, replica.name()))
                        .as(replica.name())
                        .isGreaterThan(0);
            }
        });
    }

    @Test
    void another_replica_takes_over_at_once_when_the_leader_stops() {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> history.of(LEADER_ROUTE).size() >= 3);
        Replica leader = replicas.stream()
                .filter(r -> r.name().equals(history.of(LEADER_ROUTE).get(0).replica()))
                .findFirst()
                .orElseThrow();

        long stopping = System.nanoTime();
        leader.stop();
        api.deletePod(leader.name());

        await().atMost(Duration.ofSeconds(20))
                .until(() -> history.runs(LEADER_ROUTE).size() >= 2);
        List<Run> runs = history.runs(LEADER_ROUTE);
        Run before = runs.get(0);
        Run after = runs.get(1);
        Duration handover = Duration.ofNanos(after.firstNanos() - stopping);
        assertThat(handover)
                .as("from the leader's stop to the first action of %s", after.replica())
                .isLessThan(HANDOVER_BOUND);

        assertThat(after.replica()).isNotEqualTo(leader.name());
        assertThat(before.lastNanos()).isLessThan(after.firstNanos());
        assertThat(after.epochs())
                .allSatisfy(e -> assertThat(e).isGreaterThan(before.epochs().get(0)));
        await().atMost(Duration.ofSeconds(20)).until(() -> after.replica().equals(api.holder(LEASE)));

        // a few more firings: still only the new leader, never the old one again
        long since = System.nanoTime();
        await().atMost(Duration.ofSeconds(20))
                .until(() -> history.runs(LEADER_ROUTE, since).stream()
                                .mapToInt(Run::count)
                                .sum()
                        >= 5);
        assertThat(history.runs(LEADER_ROUTE)).extracting(Run::replica).containsExactly(leader.name(), after.replica());
    }

    @Test
    void at_steady_state_only_the_leader_calls_the_api_server_to_renew() {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> history.of(LEADER_ROUTE).size() >= 3);
        // start-up requests (the first lists, the watches opening) end once every replica follows through watches
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(3 * Replica.RETRY_PERIOD_MS))
                .until(() -> api.takeReplicaRequests().stream().allMatch(r -> r.startsWith("PATCH ")));

        List<String> window = new ArrayList<>();
        long from = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            window.addAll(api.takeReplicaRequests());
            return window.size() >= 10;
        });
        long windowMs = (System.nanoTime() - from) / 1_000_000;
        // a renewal is one JSON Patch, with no read before it
        String renewal =
                "PATCH /apis/coordination.k8s.io/v1/namespaces/" + EmbeddedKubernetesApi.NAMESPACE + "/leases/" + LEASE;
        String podList = "GET /api/v1/namespaces/" + EmbeddedKubernetesApi.NAMESPACE + "/pods?labelSelector="
                + "app.kubernetes.io%2Fname%3Dk8sensus";
        assertThat(window)
                .as("requests of all three replicas at steady state: the leader's renewals, and the check of"
                        + " each replica's Pod watch against a list")
                .allMatch(r -> r.equals(renewal) || r.equals(podList));
        // the check lists the Pods once per lease duration per replica, whatever the number of groups
        long allowedLists = 3 * (windowMs / Replica.LEASE_MS + 1);
        assertThat(window.stream().filter(podList::equals).count())
                .as("Pod lists in " + windowMs + " ms")
                .isLessThanOrEqualTo(allowedLists);
    }
}
