package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.k8sensus.kube.KubeLeaseStore;
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
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader that is shut down finishes its in-flight work, then releases the Lease, and a follower takes over at once,
 * even though the old leader's Pod is still Ready (as it is during a Pod's termination).
 */
class HandoverTest {

    private static final String LEASE = "k8sensus-heartbeat";

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

    private void startReplicas(Map<String, String> overrides) throws Exception {
        Files.writeString(routes.resolve("slow-job.camel.yaml"), """
                - route:
                    id: "slow-job"
                    from:
                      uri: "master:heartbeat:timer:slow-job"
                      parameters:
                        period: "300"
                      steps:
                        - process:
                            ref: "blockingStep"
                        - log: "slow job done epoch=${header.K8sensusEpoch}"
                """);
        Map<String, String> settings = new HashMap<>(overrides);
        settings.put("k8sensus.routes.dir", routes.toString());
        for (String name : List.of("replica-a", "replica-b", "replica-c")) {
            api.addReadyPod(name);
            replicas.add(Replica.start(
                    name,
                    api.url(),
                    history,
                    settings,
                    Map.of("blockingStep", blockingSteps.computeIfAbsent(name, n -> new BlockingStep()))));
        }
    }

    private Replica leader() {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !history.of("leader-heartbeat").isEmpty());
        String name = history.of("leader-heartbeat").get(0).replica();
        return replicas.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void stopped_leader_finishes_in_flight_work_then_releases_and_a_follower_takes_over_at_once() throws Exception {
        startReplicas(Map.of());
        Replica leader = leader();
        long epoch = api.lease(LEASE).getSpec().getLeaseTransitions() == null
                ? 0
                : api.lease(LEASE).getSpec().getLeaseTransitions();
        BlockingStep inFlight = blockingSteps.get(leader.name());
        await().atMost(Duration.ofSeconds(10)).until(inFlight::hasEntered);
        long[] releasedAt = new long[1];

        try (LogCapture election = LogCapture.of("k8sensus.election")) {
            // graceful stop, as on SIGTERM; its Pod stays Running and Ready
            Thread stopping = new Thread(leader::stop, "stop-" + leader.name());
            stopping.start();
            // while its leader-only exchange is in flight, the leader keeps the Lease for the renew deadline (2 s),
            // past
            // which a follower of a leader that released at once would have acted beside the exchange
            await().during(Duration.ofSeconds(2))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> leader.name().equals(api.holder(LEASE)) && stopping.isAlive());
            inFlight.letGo();
            stopping.join(Duration.ofSeconds(30).toMillis());

            LogCapture.Entry released = election.entries().stream()
                    .filter(e -> e.message().startsWith("event=released group=heartbeat pod=" + leader.name()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no event=released line: " + election.messages()));
            releasedAt[0] = released.nanos();
            assertThat(released.message())
                    .isEqualTo("event=released group=heartbeat pod=" + leader.name() + " epoch=" + epoch + " lease="
                            + LEASE);

            List<Firing> oldLeaderWork = history.of("slow-job").stream()
                    .filter(f -> f.replica().equals(leader.name()))
                    .toList();
            assertThat(oldLeaderWork).as("the in-flight slow job completed").isNotEmpty();
            assertThat(history.failures()).as("no exchange lost or failed").isEmpty();
            assertThat(oldLeaderWork.get(oldLeaderWork.size() - 1).nanos())
                    .as("released only after the last leader-only exchange completed")
                    .isLessThan(released.nanos());
        }

        long tookOver = await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(10))
                .until(
                        () -> {
                            String holder = api.holder(LEASE);
                            return holder != null && !holder.equals(leader.name()) ? System.nanoTime() : null;
                        },
                        Objects::nonNull);
        // at once: tens of milliseconds; without the release, a lease duration after the last renewal
        assertThat(Duration.ofNanos(tookOver - releasedAt[0]))
                .as("from the release to a new holder")
                .isLessThan(Duration.ofMillis(Replica.LEASE_MS / 2));
        assertThat(api.lease(LEASE).getSpec().getLeaseTransitions()).isEqualTo((int) epoch + 1);
        await().atMost(Duration.ofSeconds(20))
                .until(() -> history.runs("leader-heartbeat").size() >= 2);
        assertThat(history.runs("leader-heartbeat").get(1).replica()).isEqualTo(api.holder(LEASE));
    }

    @Test
    void a_leader_whose_pod_turns_not_ready_finishes_its_in_flight_work_before_another_replica_acts() throws Exception {
        startReplicas(Map.of());
        Replica leader = leader();
        BlockingStep inFlight = blockingSteps.get(leader.name());
        await().atMost(Duration.ofSeconds(10)).until(inFlight::hasEntered);

        try (LogCapture election = LogCapture.of("k8sensus.election")) {
            api.setPodReady(leader.name(), false); // a failing readiness probe: a planned stop, the JVM runs on
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(election.messages())
                            .anyMatch(m -> m.startsWith("event=draining group=heartbeat pod=" + leader.name())
                                    && m.contains("cause=not-a-candidate")));
            // for the renew deadline (2 s), after which a leader that released at once would have been replaced while
            // this exchange still ran; the drain is bounded by a lease duration (3 s): the Lease stays with the term
            await().during(Duration.ofMillis(Replica.RENEW_DEADLINE_MS))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> leader.name().equals(api.holder(LEASE)));
            inFlight.letGo();

            await().atMost(Duration.ofSeconds(20)).until(() -> {
                String holder = api.holder(LEASE);
                return holder != null && !holder.equals(leader.name());
            });
        }
        assertTheNextLeaderActedOnlyAfterTheOldTermsWork(leader);
    }

    @Test
    void a_leader_asked_to_step_down_finishes_its_work_hands_the_group_over_and_the_request_is_cleared()
            throws Exception {
        startReplicas(Map.of());
        Replica leader = leader();
        int epoch = api.lease(LEASE).getSpec().getLeaseTransitions();
        BlockingStep inFlight = blockingSteps.get(leader.name());
        await().atMost(Duration.ofSeconds(10)).until(inFlight::hasEntered);

        try (LogCapture election = LogCapture.of("k8sensus.election")) {
            // what an operator runs before node maintenance: kubectl annotate lease <lease> k8sensus.io/step-down=true
            api.client()
                    .leases()
                    .inNamespace(EmbeddedKubernetesApi.NAMESPACE)
                    .withName(LEASE)
                    .patch(
                            PatchContext.of(PatchType.JSON_MERGE),
                            "{\"metadata\":{\"annotations\":{\"" + KubeLeaseStore.STEP_DOWN + "\":\"true\"}}}");
            await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(election.messages())
                            .anyMatch(m -> m.startsWith("event=draining group=heartbeat pod=" + leader.name())
                                    && m.contains("cause=step-down")));
            // for the renew deadline (2 s), after which a leader that released at once would have been replaced
            // while its exchange still ran; the drain is bounded by a lease duration (3 s), when the term is
            // released with its work in flight
            await().during(Duration.ofMillis(Replica.RENEW_DEADLINE_MS))
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> leader.name().equals(api.holder(LEASE)));
            inFlight.letGo();

            await().atMost(Duration.ofSeconds(20)).until(() -> {
                String holder = api.holder(LEASE);
                return holder != null && !holder.equals(leader.name());
            });
            assertThat(election.messages())
                    .anyMatch(m -> m.startsWith(
                            "event=step-down-asked group=heartbeat pod=" + leader.name() + " epoch=" + epoch));
        }
        assertThat(api.lease(LEASE).getSpec().getLeaseTransitions())
                .as("a new term")
                .isEqualTo(epoch + 1);
        assertThat(api.lease(LEASE).getMetadata().getAnnotations().getOrDefault(KubeLeaseStore.STEP_DOWN, ""))
                .as("the request is cleared")
                .isEmpty();
        assertTheNextLeaderActedOnlyAfterTheOldTermsWork(leader);
    }

    @Test
    void on_shutdown_each_group_is_released_once_its_own_work_is_done_not_when_the_slowest_group_is() throws Exception {
        Files.writeString(routes.resolve("batch.camel.yaml"), """
                - route:
                    id: "batch-job"
                    from:
                      uri: "master:batch:timer:batch-job"
                      parameters:
                        period: "300"
                      steps:
                        - process:
                            ref: "blockingStep"
                """);
        Map<String, String> settings = new HashMap<>();
        settings.put("k8sensus.routes.dir", routes.toString());
        settings.put("k8sensus.election.groups", "heartbeat,batch");
        settings.put("camel.main.shutdown-timeout", "20");
        api.addReadyPod("replica-a");
        BlockingStep batchInFlight = new BlockingStep();
        Replica replica =
                Replica.start("replica-a", api.url(), history, settings, Map.of("blockingStep", batchInFlight));
        replicas.add(replica);
        await().atMost(Duration.ofSeconds(20)).until(batchInFlight::hasEntered);
        await().atMost(Duration.ofSeconds(20)).until(() -> "replica-a".equals(api.holder(LEASE)));

        Thread stopping = new Thread(replica::stop, "stop-replica-a");
        stopping.start();
        try {
            // the heartbeat group has no work in flight: its Lease is free while the batch group's exchange still runs
            await().atMost(Duration.ofSeconds(10)).until(() -> api.holder(LEASE) == null);
            assertThat(api.holder("k8sensus-batch"))
                    .as("the batch group drains under its own term")
                    .isEqualTo("replica-a");
            assertThat(stopping.isAlive()).isTrue();
        } finally {
            batchInFlight.letGo();
            stopping.join(Duration.ofSeconds(30).toMillis());
        }
        assertThat(api.holder("k8sensus-batch"))
                .as("released once its exchange completed")
                .isNull();
        assertThat(history.failures()).isEmpty();
    }

    @Test
    void with_release_off_a_leader_that_stops_renewing_is_replaced_after_a_lease_duration() throws Exception {
        startReplicas(Map.of("k8sensus.election.release-on-shutdown", "false"));
        Replica leader = leader();
        long epoch = api.lease(LEASE).getSpec().getLeaseTransitions();

        long stopping = System.nanoTime();
        leader.stop(); // its Pod stays Running and Ready, and the Lease still names it

        // the Lease record stops changing; after a lease duration on their own clocks, the others take over: no
        // sooner than a lease duration less one retry period (x jitter) after the stop, and half of it is far below
        await().atMost(Duration.ofSeconds(20))
                .until(() -> history.runs("leader-heartbeat").size() >= 2);
        FiringHistory.Run next = history.runs("leader-heartbeat").get(1);
        assertThat(next.replica()).isNotEqualTo(leader.name());
        assertThat(Duration.ofNanos(next.firstNanos() - stopping))
                .as("not released: replaced on expiry only")
                .isGreaterThan(Duration.ofMillis(Replica.LEASE_MS / 2));
        assertThat(api.lease(LEASE).getSpec().getLeaseTransitions()).isEqualTo((int) epoch + 1);
    }

    /** Another replica leads, its first action comes after the old leader's last slow job, and nothing was lost. */
    private void assertTheNextLeaderActedOnlyAfterTheOldTermsWork(Replica leader) {
        await().atMost(Duration.ofSeconds(20))
                .until(() -> history.runs("leader-heartbeat").stream()
                        .anyMatch(r -> !r.replica().equals(leader.name())));
        long oldWorkDone = history.of("slow-job").stream()
                .filter(f -> f.replica().equals(leader.name()))
                .mapToLong(Firing::nanos)
                .max()
                .orElseThrow();
        long othersFirst = history.of("leader-heartbeat").stream()
                .filter(f -> !f.replica().equals(leader.name()))
                .mapToLong(Firing::nanos)
                .min()
                .orElseThrow();
        assertThat(othersFirst)
                .as("the next leader acts only after the old term's work completed")
                .isGreaterThan(oldWorkDone);
        assertThat(history.failures()).as("nothing failed or was lost").isEmpty();
    }
}
