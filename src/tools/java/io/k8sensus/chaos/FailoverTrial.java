package io.k8sensus.chaos;

import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One trial of the benchmark's takeover figures for one contender, on a cluster of its own: start-up, API cost at
 * steady state, peak RSS, then a graceful stop, a crash with the Pod deleted and a crash with the Pod left Ready, and
 * the whole trial checked for overlapping or stale actions.
 */
final class FailoverTrial {

    private FailoverTrial() {}

    /**
     * One trial of every figure for one contender, on one cluster: replica-1 starts alone (start-up on a fresh Lease),
     * two more join (API cost and memory at steady state), then three faults to the leader, each followed by a new
     * replica so that three candidates face the next: SIGTERM, kill -9 with the Pod deleted, kill -9 with the Pod
     * left Ready.
     */
    static List<Sample> run(Contender contender, String timingName, ChaosCluster.Timings t, Path jar, int n)
            throws Exception {
        return run(contender, timingName, t, jar, n, REQUEST_WINDOW_MS);
    }

    /** The steady state over which the API requests are counted. */
    static final long REQUEST_WINDOW_MS = 10_000;

    /** As {@link #run(Contender, String, ChaosCluster.Timings, Path, int)}, counting requests over {@code windowMs}. */
    static List<Sample> run(
            Contender contender, String timingName, ChaosCluster.Timings t, Path jar, int n, long windowMs)
            throws Exception {
        List<Sample> samples = new ArrayList<>();
        Sample.Recorder record = new Sample.Recorder(samples, contender.label, timingName, n);
        long wait = 2 * t.leaseMs() + 10_000;
        try (ChaosCluster cluster = new ChaosCluster(t, contender.launcher(jar, t))) {
            cluster.start("replica-1", Map.of());
            await().atMost(Duration.ofSeconds(120)).until(() -> cluster.history.size() >= 1);
            History.Action first = cluster.history.actions().get(0);
            record.add("startup", "ms", (first.nanos() - cluster.startedNanos(first.replica())) / 1e6);
            joined(cluster, "replica-2");
            joined(cluster, "replica-3");
            List<String> names = List.of("replica-1", "replica-2", "replica-3");
            // the joins' own requests (first list, opening watches) are start-up, not steady state
            ChaosRun.pause(t.leaseMs());
            Map<String, Integer> byVerb = cluster.requestsDuring(names, windowMs);
            double seconds = windowMs / 1000.0;
            int total = byVerb.values().stream().mapToInt(Integer::intValue).sum();
            record.add("api-requests-per-replica", "req/s", total / seconds / 3);
            byVerb.forEach((verb, count) -> record.add("api-" + verb + "-per-replica", "req/s", count / seconds / 3));
            record.add(
                    "peak-rss",
                    "MiB",
                    cluster.replicas().stream()
                            .mapToDouble(r -> r.peakRssMib())
                            .max()
                            .orElse(Double.NaN));

            addTakeover(record, "graceful-handover", cluster, fault(cluster, "TERM", true), wait);
            joined(cluster, "replica-4");
            addTakeover(record, "crash-failover-pod-deleted", cluster, fault(cluster, "KILL", true), wait);
            joined(cluster, "replica-5");
            addTakeover(record, "crash-failover-pod-ready", cluster, fault(cluster, "KILL", false), wait);
            // a lease duration more, so that an old leader that acts late is seen, then the whole trial is checked,
            // start-up included, against the actions and the Lease's epochs
            ChaosRun.pause(t.leaseMs());
            History.Verdict whole = cluster.history.check(first.nanos(), System.nanoTime());
            record.add(
                    "trial-overlapping-actions",
                    "actions",
                    whole.overlaps() + whole.stale() + whole.epochRegressions());
            record.add("trial-both-acting", "ms", whole.bothActingMs());
        }
        return samples;
    }

    /** Starts a replica and waits until its process says it has started (a candidate from then on). */
    private static void joined(ChaosCluster cluster, String name) throws Exception {
        cluster.start(name, Map.of());
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> cluster.hasStarted(name));
    }

    /**
     * Signals the replica that acted last (SIGTERM: a graceful stop; SIGKILL: a crash), waits for its exit and, as
     * the kubelet would, deletes its Pod or leaves it Ready (a lost node); returns when the fault happened.
     */
    private static long fault(ChaosCluster cluster, String signal, boolean deletePod) throws Exception {
        String leader = lastActor(cluster);
        long faultAt = System.nanoTime();
        cluster.signal(leader, signal);
        cluster.awaitExit(leader);
        if (deletePod) {
            cluster.api().deletePod(leader);
        }
        return faultAt;
    }

    private static String lastActor(ChaosCluster cluster) {
        return cluster.history.actions().get(cluster.history.size() - 1).replica();
    }

    private static void addTakeover(
            Sample.Recorder record, String figure, ChaosCluster cluster, long faultAt, long waitMs) {
        try {
            await().atMost(Duration.ofMillis(waitMs))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() ->
                            cluster.history.check(faultAt, System.nanoTime()).takeoverMs() >= 0);
        } catch (ConditionTimeoutException e) {
            // no takeover within the wait: recorded as NaN
        }
        History.Verdict v = cluster.history.check(faultAt, System.nanoTime());
        record.add(figure, "ms", v.takeoverMs() < 0 ? Double.NaN : v.takeoverMs());
    }
}
