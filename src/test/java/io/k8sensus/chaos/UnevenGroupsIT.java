package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.kube.RunnerMarks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Balancing when the replicas do not run the same groups, with real processes ({@code UnevenGroupsTest} is
 * the same case with two Camel contexts in one JVM): two replicas of the jar on an embedded API, short timings, each
 * group with one leader-only timer route every 250 ms. replica-a runs five groups, heartbeat (the shipped one, g1 here)
 * and g2..g5; replica-b runs heartbeat and g2..g4, and has no route and no election for g5. replica-a starts alone and
 * leads all five; replica-b joins. In every round (one; {@code -Pchaos}: three), on a fresh API: the four groups both run end two and two, and stay
 * so; g5 is never handed over (its one term, from replica-a's first action to the end, with its route's timer counting
 * on without a restart); in every group no two replicas act at once, no action of an ended term, every new epoch
 * above the last.
 */
class UnevenGroupsIT {

    private static final ChaosCluster.Timings TIMINGS = RolloutBenchmark.timings(Benchmark.TIMINGS.get("short"));
    /** Generous: two JVMs start on two cores that other work shares. */
    private static final Duration SETTLES = Duration.ofSeconds(90);

    private static final List<String> BOTH_RUN = List.of(History.HEARTBEAT, "g2", "g3", "g4");
    private static final String ONLY_A_RUNS = "g5";

    private static ExtraGroups five;
    private static ExtraGroups four;

    @BeforeAll
    static void routes() throws Exception {
        five = ExtraGroups.create(4, TIMINGS.periodMs());
        four = ExtraGroups.create(3, TIMINGS.periodMs());
        assertThat(five.names()).containsExactly("g2", "g3", "g4", ONLY_A_RUNS);
        assertThat(four.names()).containsExactly("g2", "g3", "g4");
    }

    static IntStream rounds() {
        return IntStream.rangeClosed(1, Integer.getInteger("k8sensus.uneven-groups.rounds", 1));
    }

    @ParameterizedTest(name = "round {0}")
    @MethodSource("rounds")
    void the_groups_both_run_end_two_and_two_and_the_group_only_one_runs_keeps_its_one_term(int round)
            throws Exception {
        try (ChaosCluster cluster = new ChaosCluster(
                TIMINGS,
                RolloutBenchmark.launcher(
                        Path.of("target", "k8sensus.jar"), TIMINGS, five, "replica-b", four, List.of()))) {
            long start = System.nanoTime();
            cluster.start("replica-a", Map.of());
            await().atMost(SETTLES)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> Placement.of(cluster).loads().equals(Map.of("replica-a", 5)));
            long onlyEpoch = Placement.of(cluster).epochs().get(ONLY_A_RUNS);

            cluster.start("replica-b", Map.of());
            await().alias("two and two, or g5 handed over")
                    .atMost(SETTLES)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> twoAndTwo(cluster) || !handovers(cluster).isEmpty());
            assertThat(handovers(cluster))
                    .as("g5's moves, drains and releases: it must stay where it runs")
                    .isEmpty();
            // and so it stays, with g5 where it was, for three lease durations more
            await().alias("two and two, with g5 on replica-a, for three lease durations")
                    .during(Duration.ofMillis(3 * TIMINGS.leaseMs()))
                    .atMost(SETTLES)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> twoAndTwo(cluster)
                            && "replica-a"
                                    .equals(Placement.of(cluster).holders().get(ONLY_A_RUNS)));
            long end = System.nanoTime();
            List<String> output = cluster.output();

            assertThat(output)
                    .as("the groups both run were spread by handover")
                    .anyMatch(line -> line.contains("event=released-for-balance"));
            assertThat(Placement.of(cluster).epochs().get(ONLY_A_RUNS))
                    .as("g5's epoch: one term from start to end")
                    .isEqualTo(onlyEpoch);
            assertThat(handovers(cluster))
                    .as("g5's moves, drains and releases, over the whole round")
                    .isEmpty();
            List<History.Action> onlyActions = cluster.history.actions(ONLY_A_RUNS);
            assertThat(onlyActions)
                    .as("g5's actions")
                    .isNotEmpty()
                    .allSatisfy(a -> assertThat(a.term()).isEqualTo("replica-a#1@" + onlyEpoch));
            assertThat(onlyActions)
                    .extracting(History.Action::seq)
                    .as("g5's timer: one run of its route, never restarted")
                    .isEqualTo(LongStream.rangeClosed(1, onlyActions.size())
                            .boxed()
                            .toList());
            assertThat(RunnerMarks.of(cluster.api().lease(ChaosCluster.leaseOf(ONLY_A_RUNS))))
                    .as("who runs g5")
                    .containsOnlyKeys("replica-a");
            assertThat(RunnerMarks.of(cluster.api().lease(ChaosCluster.leaseOf("g2"))))
                    .as("who runs g2")
                    .containsOnlyKeys("replica-a", "replica-b");

            for (String group : Placement.of(cluster).epochs().keySet()) {
                History.Verdict verdict = cluster.history.check(group, start, end);
                assertThat(verdict.overlaps())
                        .as("overlapping actions in %s", group)
                        .isZero();
                assertThat(verdict.stale())
                        .as("actions of ended terms in %s", group)
                        .isZero();
                assertThat(verdict.epochRegressions())
                        .as("epochs not above the last in %s", group)
                        .isZero();
                assertThat(verdict.bothActingMs())
                        .as("two terms acting at once in %s", group)
                        .isNegative();
            }
        }
    }

    /** The election log's lines that start or end a handover of g5 (a move for balance, a drain, a release). */
    private static List<String> handovers(ChaosCluster cluster) {
        return cluster.output().stream()
                .filter(line -> line.contains("group=" + ONLY_A_RUNS + " ")
                        && (line.contains("event=balancing")
                                || line.contains("event=released")
                                || line.contains("event=draining")))
                .toList();
    }

    /** Whether of the four groups both run, each replica leads two (and replica-a also g5, which only it runs). */
    private static boolean twoAndTwo(ChaosCluster cluster) {
        Map<String, String> holders = Placement.of(cluster).holders();
        long a = BOTH_RUN.stream()
                .filter(g -> "replica-a".equals(holders.get(g)))
                .count();
        long b = BOTH_RUN.stream()
                .filter(g -> "replica-b".equals(holders.get(g)))
                .count();
        return a == 2 && b == 2;
    }
}
