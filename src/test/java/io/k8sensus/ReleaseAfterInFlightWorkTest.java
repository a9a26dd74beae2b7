package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.testing.BlockingStep;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.FiringHistory.Firing;
import io.k8sensus.testing.LogCapture;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader that is shut down releases the Lease of a group only after the last in-flight exchange of that group's
 * routes has completed, even when no route of the group has the {@code electionLog} policy (which holds the group's
 * view until it stops, after the routes): the {@code master:} consumer alone keeps the Lease until then.
 */
class ReleaseAfterInFlightWorkTest {

    private static final String GROUP = "jobs";
    private static final String LEASE = "k8sensus-" + GROUP;

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
    private final FiringHistory history = new FiringHistory();
    private final List<Replica> replicas = new ArrayList<>();
    private final Map<String, BlockingStep> blockingSteps = new ConcurrentHashMap<>();

    @TempDir
    Path routes;

    @AfterEach
    void stop() {
        blockingSteps.values().forEach(BlockingStep::letGo);
        replicas.forEach(Replica::close);
        api.close();
    }

    private void startReplicas() throws Exception {
        // shutdown alone: no group moves for balance meanwhile (see the balancing test below)
        startReplicas(List.of("replica-a", "replica-b", "replica-c"), Map.of("k8sensus.election.balance", "false"));
    }

    private void startReplicas(List<String> names, Map<String, String> more) throws Exception {
        // the only route of group jobs, without routePolicy
        Files.writeString(routes.resolve("slow-job.camel.yaml"), """
                - route:
                    id: "slow-job"
                    from:
                      uri: "master:jobs:timer:slow-job"
                      parameters:
                        period: "300"
                      steps:
                        - process:
                            ref: "blockingStep"
                        - log: "slow job done epoch=${header.K8sensusEpoch}"
                """);
        Map<String, String> settings = new HashMap<>();
        settings.put("k8sensus.routes.dir", routes.toString());
        settings.put("k8sensus.election.groups", "heartbeat," + GROUP);
        settings.putAll(more);
        for (String name : names) {
            api.addReadyPod(name);
            replicas.add(Replica.start(
                    name,
                    api.url(),
                    history,
                    settings,
                    Map.of("blockingStep", blockingSteps.computeIfAbsent(name, n -> new BlockingStep()))));
        }
    }

    /** The replica whose slow job is in flight: the leader of group jobs. */
    private Replica leaderWithWorkInFlight() {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> blockingSteps.values().stream().anyMatch(BlockingStep::hasEntered));
        String name = blockingSteps.entrySet().stream()
                .filter(e -> e.getValue().hasEntered())
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow();
        assertThat(api.holder(LEASE)).as("holder of " + LEASE).isEqualTo(name);
        return replicas.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    private boolean anotherReplicaActed(Replica leader) {
        return blockingSteps.entrySet().stream()
                .anyMatch(e -> !e.getKey().equals(leader.name()) && e.getValue().hasEntered());
    }

    @Test
    void a_stopped_leader_keeps_the_lease_of_a_route_without_election_log_until_its_in_flight_exchange_completed()
            throws Exception {
        startReplicas();
        Replica leader = leaderWithWorkInFlight();
        long epoch = api.lease(LEASE).getSpec().getLeaseTransitions();
        BlockingStep inFlight = blockingSteps.get(leader.name());

        try (LogCapture election = LogCapture.of("k8sensus.election")) {
            // graceful stop, as on SIGTERM; its Pod stays Running and Ready
            Thread stopping = new Thread(leader::stop, "stop-" + leader.name());
            stopping.start();
            // while its leader-only exchange is in flight, the leader keeps the Lease and nobody else acts, for the
            // renew
            // deadline (2 s), past which a leader that released at once would have been replaced
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> leader.name().equals(api.holder(LEASE))
                            && stopping.isAlive()
                            && !anotherReplicaActed(leader));
            inFlight.letGo();
            stopping.join(Duration.ofSeconds(30).toMillis());

            LogCapture.Entry released = election.entries().stream()
                    .filter(e -> e.message().startsWith("event=released group=" + GROUP + " pod=" + leader.name()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no event=released line: " + election.messages()));
            assertThat(released.message())
                    .isEqualTo("event=released group=" + GROUP + " pod=" + leader.name() + " epoch=" + epoch + " lease="
                            + LEASE);
            List<Firing> oldLeaderWork = history.of("slow-job").stream()
                    .filter(f -> f.replica().equals(leader.name()))
                    .toList();
            assertThat(oldLeaderWork).as("the in-flight slow job completed").hasSize(1);
            assertThat(history.failures()).as("no exchange lost or failed").isEmpty();
            assertThat(oldLeaderWork.get(0).nanos())
                    .as("released only after the last leader-only exchange completed")
                    .isLessThan(released.nanos());
        }

        // a follower takes over at once, in the next term
        await().atMost(Duration.ofSeconds(20)).until(() -> anotherReplicaActed(leader));
        String newHolder = api.holder(LEASE);
        assertThat(newHolder).isNotNull().isNotEqualTo(leader.name());
        assertThat(blockingSteps.get(newHolder).hasEntered())
                .as("the new holder acts")
                .isTrue();
        assertThat(api.lease(LEASE).getSpec().getLeaseTransitions()).isEqualTo((int) epoch + 1);
    }

    @Test
    void a_group_moved_for_balance_is_released_only_after_its_in_flight_exchange_completed_and_taken_at_once()
            throws Exception {
        // lease 6 s: a move waits up to a lease duration for the exchanges before it is abandoned
        Map<String, String> timings =
                Map.of("k8sensus.election.lease-duration-ms", "6000", "k8sensus.election.renew-deadline-ms", "4000");
        try (LogCapture election = LogCapture.of("k8sensus.election")) {
            startReplicas(List.of("replica-a"), timings); // alone: it leads both groups
            Replica leader = leaderWithWorkInFlight();
            await().atMost(Duration.ofSeconds(30)).until(() -> "replica-a".equals(api.holder("k8sensus-heartbeat")));
            long epoch = api.lease(LEASE).getSpec().getLeaseTransitions();
            startReplicas(List.of("replica-b", "replica-c"), timings);
            // it leads 2, they lead none: after a lease duration, "jobs" (the last by name) moves
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> election.messages().stream()
                            .anyMatch(m -> m.startsWith("event=balancing group=" + GROUP + " pod=replica-a")));
            // its slow job is in flight: the Lease stays, nobody else acts, for 1.5 s, three retry periods (0.5 s) in
            // which a move that released at once would have been taken
            await().during(Duration.ofMillis(1500))
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> leader.name().equals(api.holder(LEASE)) && !anotherReplicaActed(leader));
            blockingSteps.get(leader.name()).letGo();

            await().atMost(Duration.ofSeconds(20)).until(() -> anotherReplicaActed(leader));
            LogCapture.Entry released = election.entries().stream()
                    .filter(e -> e.message().startsWith("event=released-for-balance group=" + GROUP + " pod=replica-a"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no release for balance: " + election.messages()));
            List<Firing> oldLeaderWork = history.of("slow-job").stream()
                    .filter(f -> f.replica().equals(leader.name()))
                    .toList();
            assertThat(oldLeaderWork).as("the in-flight slow job completed").hasSize(1);
            assertThat(history.failures()).as("no exchange lost or failed").isEmpty();
            assertThat(oldLeaderWork.get(0).nanos())
                    .as("released only after it completed")
                    .isLessThan(released.nanos());
            String newHolder = api.holder(LEASE);
            assertThat(newHolder).isIn("replica-b", "replica-c");
            assertThat(api.lease(LEASE).getSpec().getLeaseTransitions()).isEqualTo((int) epoch + 1);
            assertThat(api.holder("k8sensus-heartbeat"))
                    .as("the other group stays")
                    .isEqualTo("replica-a");
        }
    }
}
