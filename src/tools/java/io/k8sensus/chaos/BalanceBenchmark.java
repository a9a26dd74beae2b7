package io.k8sensus.chaos;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Balancing, measured: G groups on R replicas of k8sensus ({@code --balance 7x3,30x10}), with balancing on and off.
 * The first replica starts alone and leads every group; the others join; then the replica that leads the most is
 * killed (its Pod deleted) and comes back. Figures ({@code <figure>-<G>x<R>}, balancing on unless "-off"):
 * <ul>
 * <li>{@code balance-most}, {@code balance-fewest}: groups led by the busiest and the idlest replica at steady state;</li>
 * <li>{@code balance-join}, {@code balance-loss}, {@code balance-return}: ms from the joins (the last one started),
 * the kill, the return to a balanced placement (every group led, ⌊G/R⌋ or ⌈G/R⌉ each);</li>
 * <li>{@code balance-moves-join}, {@code -loss}, {@code -return}: handovers for balance in that phase;</li>
 * <li>{@code balance-handover-gap}: per moved group, ms from the old term's last action to the new term's first (the
 * routes fire every {@code periodMs}: up to one period of it is the timer's);</li>
 * <li>{@code balance-api-per-replica}: requests per replica per second at steady state, over 20 s.</li>
 * </ul>
 */
final class BalanceBenchmark {

    private static final Duration SETTLES = Duration.ofMinutes(4);

    private BalanceBenchmark() {}

    static List<Sample> run(String timingName, ChaosCluster.Timings t, Path jar, int groups, int replicas, boolean on)
            throws Exception {
        String size = groups + "x" + replicas + (on ? "" : "-off");
        String c = "k8sensus";
        List<Sample> samples = new ArrayList<>();
        Sample.Recorder record = new Sample.Recorder(samples, c, timingName, 1);
        ExtraGroups extra = ExtraGroups.create(groups - 1, t.periodMs());
        List<String> more = on ? List.of() : List.of("-Dk8sensus.election.balance=false");
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= replicas; i++) {
            names.add("replica-" + i);
        }
        try (ChaosCluster cluster = new ChaosCluster(t, Contender.K8SENSUS.launcher(jar, t, extra, more))) {
            cluster.start("replica-1", Map.of());
            await().atMost(SETTLES)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> Placement.of(cluster).holders().size() == groups);
            for (String name : names.subList(1, names.size())) {
                cluster.start(name, Map.of());
            }
            await().atMost(SETTLES)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> names.stream().allMatch(n -> cluster.hasStarted(n)));
            long joined = System.nanoTime();
            int movesBefore = moves(cluster);
            if (on) {
                record.add("balance-join-" + size, "ms", untilBalanced(cluster, groups, names, joined));
                record.add("balance-moves-join-" + size, "moves", moves(cluster) - movesBefore);
                samples.addAll(handoverGaps(cluster, c, timingName, size, joined));
            } else {
                ChaosRun.pause(2 * t.leaseMs()); // the joins change nothing: let them settle
            }
            Map<String, Integer> loads = Placement.of(cluster).loads();
            IntSummaryStatistics led =
                    names.stream().mapToInt(n -> loads.getOrDefault(n, 0)).summaryStatistics();
            record.add("balance-most-" + size, "groups", led.getMax());
            record.add("balance-fewest-" + size, "groups", led.getMin());
            Map<String, Integer> byVerb = cluster.requestsDuring(names, 20_000);
            record.add(
                    "balance-api-per-replica-" + size,
                    "req/s",
                    byVerb.values().stream().mapToInt(Integer::intValue).sum() / 20.0 / replicas);
            if (on) {
                String victim = loads.entrySet().stream()
                        .max(Map.Entry.comparingByValue())
                        .orElseThrow()
                        .getKey();
                List<String> survivors =
                        names.stream().filter(n -> !n.equals(victim)).toList();
                int beforeLoss = moves(cluster);
                long killed = System.nanoTime();
                cluster.stop(victim, "KILL");
                cluster.api().deletePod(victim);
                record.add("balance-loss-" + size, "ms", untilBalanced(cluster, groups, survivors, killed));
                record.add("balance-moves-loss-" + size, "moves", moves(cluster) - beforeLoss);
                int beforeReturn = moves(cluster);
                int mark = cluster.output().size();
                cluster.start(victim, Map.of());
                await().atMost(SETTLES)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> cluster
                                .output()
                                .subList(mark, cluster.output().size())
                                .stream()
                                .anyMatch(l -> l.startsWith(victim + " ") && l.contains("(k8sensus) started")));
                long back = System.nanoTime();
                record.add("balance-return-" + size, "ms", untilBalanced(cluster, groups, names, back));
                record.add("balance-moves-return-" + size, "moves", moves(cluster) - beforeReturn);
            }
            System.out.printf(
                    "[bench] balance %s: %s%n",
                    size,
                    samples.stream()
                            .map(s -> s.figure() + "=" + BenchmarkReport.format(s.value()))
                            .toList());
        }
        return samples;
    }

    /** Ms from {@code sinceNanos} until the placement is balanced over {@code replicas}; NaN if it never is. */
    private static double untilBalanced(ChaosCluster cluster, int groups, List<String> replicas, long sinceNanos) {
        try {
            await().atMost(SETTLES)
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> Placement.of(cluster).balanced(groups, replicas));
        } catch (ConditionTimeoutException e) {
            return Double.NaN;
        }
        return (System.nanoTime() - sinceNanos) / 1e6;
    }

    /** Handovers for balance so far, as the replicas logged them. */
    private static int moves(ChaosCluster cluster) {
        return (int) cluster.output().stream()
                .filter(l -> l.contains("event=released-for-balance"))
                .count();
    }

    /** Per group whose term changed hands after {@code sinceNanos}: the old term's last action to the new one's first. */
    private static List<Sample> handoverGaps(
            ChaosCluster cluster, String c, String timingName, String size, long sinceNanos) {
        List<Sample> gaps = new ArrayList<>();
        Map<String, List<History.Action>> byGroup = new TreeMap<>();
        for (History.Action a : cluster.history.actions()) {
            byGroup.computeIfAbsent(a.group(), g -> new ArrayList<>()).add(a);
        }
        int n = 0;
        for (List<History.Action> actions : byGroup.values()) {
            for (int i = 1; i < actions.size(); i++) {
                History.Action before = actions.get(i - 1);
                History.Action after = actions.get(i);
                if (after.nanos() >= sinceNanos && after.epoch() > before.epoch()) {
                    gaps.add(new Sample(
                            c,
                            timingName,
                            ++n,
                            "balance-handover-gap-" + size,
                            "ms",
                            (after.nanos() - before.nanos()) / 1e6));
                }
            }
        }
        return gaps;
    }
}
