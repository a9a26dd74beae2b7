package io.k8sensus.chaos;

import static org.awaitility.Awaitility.await;

import io.k8sensus.tools.LeaseHolder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The benchmark's API cost of many replicas and many groups at steady state, for one contender. */
final class ApiCostScaling {

    private ApiCostScaling() {}

    /**
     * API cost of the whole group at steady state for a number of replicas and of groups: requests per second of all
     * replicas together, counted over 20 s once every replica has started, every group has a leader, and 30 s more
     * have passed.
     */
    static List<Sample> run(
            Contender contender, String timingName, ChaosCluster.Timings t, Path jar, int replicas, int groups)
            throws Exception {
        return run(contender, timingName, t, jar, replicas, groups, 30_000, 20_000);
    }

    /** The same with a given settling time after start-up and counting window (shorter for a smoke test). */
    static List<Sample> run(
            Contender contender,
            String timingName,
            ChaosCluster.Timings t,
            Path jar,
            int replicas,
            int groups,
            long settleMs,
            long window)
            throws Exception {
        ExtraGroups extra = ExtraGroups.create(groups - 1, t.periodMs());
        List<String> leases = new ArrayList<>(List.of(ChaosCluster.LEASE));
        leases.addAll(extra.leases());
        List<String> names = new ArrayList<>();
        try (ChaosCluster cluster = new ChaosCluster(t, contender.launcher(jar, t, extra))) {
            for (int i = 1; i <= replicas; i++) {
                names.add("replica-" + i);
                cluster.start("replica-" + i, Map.of());
            }
            // steady state: every replica has started, every group has a leader, and the start-up is 30 s past (30
            // JVMs starting at once saturate 2 cores for a while: watches time out and are retried meanwhile)
            await().atMost(Duration.ofMinutes(5))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> names.stream().allMatch(name -> cluster.hasStarted(name))
                            && leases.stream()
                                    .allMatch(l -> LeaseHolder.of(cluster.api().lease(l))
                                            .held()));
            ChaosRun.pause(settleMs);
            Map<String, Integer> byVerb = cluster.requestsDuring(names, window);
            int total = byVerb.values().stream().mapToInt(Integer::intValue).sum();
            String size = replicas + "-replicas-" + groups + "-groups";
            List<Sample> samples = new ArrayList<>();
            samples.add(
                    new Sample(contender.label, timingName, 1, "api-total-" + size, "req/s", total * 1000.0 / window));
            System.out.printf(
                    "[bench] %s %s scaling %s: %.1f req/s in all %s%n",
                    contender.label, timingName, size, total * 1000.0 / window, byVerb);
            return samples;
        }
    }
}
