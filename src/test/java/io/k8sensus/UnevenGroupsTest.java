package io.k8sensus;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.k8sensus.kube.RunnerMarks;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
        await().atMost(Duration.ofSeconds(30)).until(() -> IntStream.rangeClosed(1, 5)
                .allMatch(g -> "replica-a".equals(api.holder("jobs-g" + g))));

        api.addReadyPod("replica-b");
        replicas.add(Replica.start("replica-b", api, history, overrides(routesB, 4)));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> led("replica-b") >= 2
                && led("replica-a") - led("replica-b") <= 1);
        // g5 stays where it is for three lease durations more
        await().during(Duration.ofMillis(3 * Replica.LEASE_MS)).atMost(Duration.ofMillis(4 * Replica.LEASE_MS))
                .pollInterval(Duration.ofMillis(100)).until(() -> "replica-a".equals(api.holder("jobs-g5")));

        Lease g5 = api.lease("jobs-g5");
        assertThat(g5.getSpec().getLeaseTransitions()).as("g5's epoch: one term from start to end").isZero();
        assertThat(history.runs("job-g5")).as("runs of g5's route: never interrupted").hasSize(1);
        assertThat(RunnerMarks.of(g5)).as("who runs g5").containsOnlyKeys("replica-a");
        assertThat(RunnerMarks.of(api.lease("jobs-g1"))).as("who runs g1").containsOnlyKeys("replica-a", "replica-b");
    }

    private int led(String replica) {
        return (int) IntStream.rangeClosed(1, 5).filter(g -> replica.equals(api.holder("jobs-g" + g))).count();
    }

    private static void writeRoutes(Path dir, int groups) throws Exception {
        for (int g = 1; g <= groups; g++) {
            Files.writeString(dir.resolve("job-g" + g + ".camel.yaml"), """
                    - route:
                        id: "job-g%1$d"
                        from:
                          uri: "master:g%1$d:timer:job-g%1$d"
                          parameters:
                            period: "200"
                          steps:
                            - log: "job g%1$d epoch=${header.K8sensusEpoch}"
                    """.formatted(g));
        }
    }

    private static Map<String, String> overrides(Path routes, int groups) {
        StringBuilder names = new StringBuilder("heartbeat");
        for (int g = 1; g <= groups; g++) {
            names.append(",g").append(g);
        }
        return Map.of("k8sensus.routes.dir", routes.toString(), "k8sensus.election.groups", names.toString(),
                "k8sensus.election.lease-prefix", "jobs");
    }
}
