package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.k8sensus.kube.RunnerMarks;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Balancing when the replicas do not run the same groups (route files that differ, a reload that has reached one
 * replica and not the other): two replicas of the real application, one running groups g1-g5, the other g1-g4. Each
 * marks the Leases of the groups it runs; the groups both run are spread, and g5, which only one runs, is never handed
 * over: one term, one run of its route, from start to end.
 */
class UnevenGroupsTest {

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
    private final FiringHistory history = new FiringHistory();
    private final List<Replica> replicas = new ArrayList<>();

    @TempDir
    Path routesA;

    @TempDir
    Path routesB;

    @TempDir
    Path routesC;

    @AfterEach
    void stop() {
        replicas.forEach(Replica::close);
        api.close();
    }

    @Test
    void the_groups_both_run_are_spread_and_the_group_only_one_runs_is_never_handed_over() throws Exception {
        writeRoutes(routesA, 5);
        writeRoutes(routesB, 4);
        api.addReadyPod("replica-a");
        replicas.add(Replica.start("replica-a", api, history, overrides(routesA, 5)));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> IntStream.rangeClosed(1, 5).allMatch(g -> "replica-a".equals(api.holder("jobs-g" + g))));

        api.addReadyPod("replica-b");
        replicas.add(Replica.start("replica-b", api, history, overrides(routesB, 4)));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> led("replica-b") >= 2 && led("replica-a") - led("replica-b") <= 1);
        // g5 stays where it is for three lease durations more
        await().during(Duration.ofMillis(3 * Replica.LEASE_MS))
                .atMost(Duration.ofMillis(4 * Replica.LEASE_MS))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> "replica-a".equals(api.holder("jobs-g5")));

        Lease g5 = api.lease("jobs-g5");
        assertThat(g5.getSpec().getLeaseTransitions())
                .as("g5's epoch: one term from start to end")
                .isZero();
        assertThat(history.runs("job-g5"))
                .as("runs of g5's route: never interrupted")
                .hasSize(1);
        assertThat(RunnerMarks.of(g5)).as("who runs g5").containsOnlyKeys("replica-a");
        assertThat(RunnerMarks.of(api.lease("jobs-g1"))).as("who runs g1").containsOnlyKeys("replica-a", "replica-b");
    }

    /**
     * Three replicas: a runs g1-g4 and x1-x3, b and c run g1-g4 (all three the heartbeat). b and c cannot see a lead
     * x1-x3; counting alone they would hand a the groups they share, and a would hand them back, for ever. a says on
     * its marks how many groups it leads in all: a keeps its three, b and c share the five groups all run, and nothing
     * moves after.
     */
    @Test
    void a_replica_leading_groups_the_others_do_not_run_is_counted_by_them_and_nothing_moves_back_and_forth()
            throws Exception {
        List<String> shared = List.of("g1", "g2", "g3", "g4");
        List<String> own = List.of("x1", "x2", "x3");
        List<String> all = new ArrayList<>(shared);
        all.addAll(own);
        writeRoutes(routesA, all);
        writeRoutes(routesB, shared);
        writeRoutes(routesC, shared);
        api.addReadyPod("replica-a");
        replicas.add(Replica.start("replica-a", api, history, overrides(routesA, all)));
        await().atMost(Duration.ofSeconds(30)).until(() -> led("replica-a", all) == all.size());
        api.addReadyPod("replica-b");
        replicas.add(Replica.start("replica-b", api, history, overrides(routesB, shared)));
        api.addReadyPod("replica-c");
        replicas.add(Replica.start("replica-c", api, history, overrides(routesC, shared)));

        List<String> every = new ArrayList<>(all);
        every.add("heartbeat");
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> led("replica-a", every) == 3
                        && Math.abs(led("replica-b", every) - led("replica-c", every)) <= 1);
        long transitions = transitions(every);
        await().during(Duration.ofMillis(4 * Replica.LEASE_MS))
                .atMost(Duration.ofMillis(5 * Replica.LEASE_MS))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> transitions(every) == transitions);
        assertThat(own)
                .as("x1-x3 never left a")
                .allMatch(g -> "replica-a".equals(api.holder("jobs-" + g))
                        && api.lease("jobs-" + g).getSpec().getLeaseTransitions() == 0);
    }

    private int led(String replica) {
        return led(replica, List.of("g1", "g2", "g3", "g4", "g5"));
    }

    private int led(String replica, List<String> groups) {
        return (int) groups.stream()
                .filter(g -> replica.equals(api.holder("jobs-" + g)))
                .count();
    }

    /** Leader changes so far, over the groups' Leases. */
    private long transitions(List<String> groups) {
        return groups.stream()
                .mapToLong(g -> {
                    Lease lease = api.lease("jobs-" + g);
                    return lease == null || lease.getSpec().getLeaseTransitions() == null
                            ? 0
                            : lease.getSpec().getLeaseTransitions();
                })
                .sum();
    }

    private static void writeRoutes(Path dir, int groups) throws Exception {
        writeRoutes(dir, IntStream.rangeClosed(1, groups).mapToObj(g -> "g" + g).toList());
    }

    private static void writeRoutes(Path dir, List<String> groups) throws Exception {
        for (String g : groups) {
            Files.writeString(dir.resolve("job-" + g + ".camel.yaml"), """
                    - route:
                        id: "job-%1$s"
                        from:
                          uri: "master:%1$s:timer:job-%1$s"
                          parameters:
                            period: "200"
                          steps:
                            - log: "job %1$s epoch=${header.K8sensusEpoch}"
                    """.formatted(g));
        }
    }

    private static Map<String, String> overrides(Path routes, int groups) {
        return overrides(
                routes, IntStream.rangeClosed(1, groups).mapToObj(g -> "g" + g).toList());
    }

    private static Map<String, String> overrides(Path routes, List<String> groups) {
        return Map.of(
                "k8sensus.routes.dir",
                routes.toString(),
                "k8sensus.election.groups",
                "heartbeat," + String.join(",", groups),
                "k8sensus.election.lease-prefix",
                "jobs");
    }
}
