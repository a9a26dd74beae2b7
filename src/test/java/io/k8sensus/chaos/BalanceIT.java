package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Balancing with real processes: three replicas of the jar and seven groups (heartbeat, g2..g7), each with a
 * leader-only route, on an embedded API with the short timings (lease 3 s). The first replica starts alone and leads
 * all seven; the two others join and the groups spread 3/2/2 by graceful handovers; a replica with two is killed
 * (and its Pod deleted, as its controller would) and its groups fail over to 4/3; it comes back and 3/2/2 returns.
 * In every group, over the whole run: no two replicas act at once, no action of an ended term, every new term's
 * epoch above the last.
 */
class BalanceIT {

    private static final ChaosCluster.Timings TIMINGS = Benchmark.TIMINGS.get("short");
    private static final Duration SETTLES = Duration.ofSeconds(60);

    @Test
    void seven_groups_spread_3_2_2_over_three_replicas_4_3_over_two_after_a_crash_and_3_2_2_after_its_return()
            throws Exception {
        ExtraGroups extra = ExtraGroups.create(6, TIMINGS.periodMs());
        try (ChaosCluster cluster = new ChaosCluster(
                TIMINGS, Contender.K8SENSUS.launcher(Path.of("target", "k8sensus.jar"), TIMINGS, extra))) {
            long start = System.nanoTime();
            cluster.start("replica-1", Map.of());
            await().atMost(SETTLES).until(() -> placement(cluster).equals(Map.of("replica-1", 7)));

            cluster.start("replica-2", Map.of());
            cluster.start("replica-3", Map.of());
            await().atMost(SETTLES)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> shape(cluster).equals("3 2 2"));
            Map<String, Long> beforeCrash = epochs(cluster);
            Map<String, String> holdersBeforeCrash = holders(cluster);
            assertThat(cluster.output())
                    .as("groups moved by handover, not by waiting for expiry")
                    .anyMatch(line -> line.contains("event=released-for-balance"));

            String victim = placement(cluster).entrySet().stream()
                    .filter(e -> e.getValue() == 2)
                    .findFirst()
                    .orElseThrow()
                    .getKey();
            cluster.signal(victim, "KILL");
            cluster.awaitExit(victim);
            cluster.api().deletePod(victim);
            await().atMost(SETTLES)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> shape(cluster).equals("4 3"));
            Map<String, Long> afterCrash = epochs(cluster);
            holdersBeforeCrash.forEach((group, holder) -> {
                if (holder.equals(victim)) {
                    assertThat(afterCrash.get(group))
                            .as("epoch of %s, moved off %s", group, victim)
                            .isGreaterThan(beforeCrash.get(group));
                }
            });

            cluster.start(victim, Map.of());
            await().atMost(SETTLES)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> shape(cluster).equals("3 2 2"));
            Map<String, Long> afterReturn = epochs(cluster);
            assertThat(placement(cluster)).containsKey(victim);

            // a lease duration more, for a stale action to show, then the whole run, group by group
            ChaosRun.pause(TIMINGS.leaseMs());
            long end = System.nanoTime();
            for (String group : afterReturn.keySet()) {
                History.Verdict verdict = cluster.history.check(group, start, end);
                assertThat(cluster.history.actions(group))
                        .as("actions of %s", group)
                        .isNotEmpty();
                assertThat(verdict.terms()).as("terms of %s that acted", group).isPositive();
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
                assertThat(afterReturn.get(group))
                        .as("epoch of %s", group)
                        .isGreaterThanOrEqualTo(afterCrash.get(group));
            }
        }
    }

    private static Map<String, Integer> placement(ChaosCluster cluster) {
        return Placement.of(cluster).loads();
    }

    private static String shape(ChaosCluster cluster) {
        return Placement.of(cluster).shape(7);
    }

    private static Map<String, String> holders(ChaosCluster cluster) {
        return Placement.of(cluster).holders();
    }

    private static Map<String, Long> epochs(ChaosCluster cluster) {
        return Placement.of(cluster).epochs();
    }
}
