package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.k8sensus.tools.LeaseHolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A rolling update from a plain camel-master application to k8sensus on the same Lease, with real processes on the
 * embedded API: three replicas of the Camel application ({@code io.k8sensus.stock}, camel-kubernetes'
 * {@code KubernetesClusterService}, Lease {@code leaders-heartbeat}) elect a leader of group {@code heartbeat}; then,
 * as a Deployment with {@code maxSurge: 1, maxUnavailable: 0} rolls them, one by one a k8sensus replica starts (lease
 * prefix {@code leaders}, the same group and candidate labels), and once it has started the oldest Camel replica gets
 * SIGTERM and its Pod is deleted when it has exited. Both sides have the short timings (renew deadline 2 s, retry
 * period 0.5 s, Camel's lease 3 s) and a leader-only action every {@value #PERIOD_MS} ms.
 * <p>
 * The k8sensus replicas' lease duration is the migration's ({@link #migrationLeaseMs}): above Camel's lease duration
 * by a second and above twice Camel's renew deadline plus its retry period with jitter. A Camel replica that takes the
 * Lease from a holder that left acts only a lease duration later, and writes the Lease again only then, so a follower
 * that waits the Lease's own duration may take it just as the Camel replica starts to act; and a Camel leader writes
 * its renew time only once per renew deadline but acts until a renew deadline after its last read. With k8sensus's
 * lease duration at Camel's own, those races are left to chance ({@code -Dk8sensus.mixed-rollout.lease-ms=3000} runs
 * it so).
 * <p>
 * Read from the actions and the Lease's states, over the whole run: no two replicas acting in one term, no action of
 * an ended term, no new term without a higher epoch, never two terms acting at once; at the end a k8sensus replica
 * leads. The longest time without an action and the leader changes during the rollout are printed per run, with the
 * whole history in {@code target/mixed-rollout/run-N.csv} and the replicas' output in {@code run-N.log}.
 * {@code -Dk8sensus.mixed-rollout.runs=N} repeats it.
 */
class MixedRolloutIT {

    static final String PREFIX = "leaders";
    static final long PERIOD_MS = 250;
    /** The Camel replicas' timings. */
    static final ChaosCluster.Timings TIMINGS = RolloutBenchmark.timings(Benchmark.TIMINGS.get("short"));

    private static final Duration STEP = Duration.ofSeconds(120);
    private static final int REPLICAS = 3;

    /**
     * The lease duration of the k8sensus replicas while Camel ones may hold the Lease, in whole seconds: above Camel's
     * lease duration by a second (a Camel replica that took the Lease from a leaver writes it again a lease duration
     * later), and above twice Camel's renew deadline plus its retry period with jitter (a Camel leader writes its renew
     * time once per renew deadline, and acts until a renew deadline after its last successful read).
     */
    static long migrationLeaseMs(ChaosCluster.Timings camel) {
        long ms = Math.max(camel.leaseMs() + 1000, 2 * camel.renewMs() + (long) Math.ceil(camel.poll()));
        return (ms + 999) / 1000 * 1000;
    }

    /** What one rollout showed. */
    record Run(int n, History.Verdict verdict, int leaderChanges, String endHolder, String lease) {

        @Override
        public String toString() {
            return "run " + n + ": longest gap " + verdict.maxGapMs() + " ms, leader changes " + leaderChanges
                    + ", overlapping " + verdict.overlaps() + ", stale " + verdict.stale() + ", regressed "
                    + verdict.epochRegressions() + ", two terms at once " + verdict.bothActingMs() + " ms (-1: never)"
                    + ", leader at the end " + endHolder + "; " + lease;
        }
    }

    @Test
    void camel_replicas_rolled_one_by_one_to_k8sensus_replicas_never_act_together_and_k8sensus_leads_at_the_end()
            throws Exception {
        int runs = Integer.getInteger("k8sensus.mixed-rollout.runs", 1);
        List<Run> results = new ArrayList<>();
        for (int n = 1; n <= runs; n++) {
            Run run = rollout(n);
            System.out.println("[mixed-rollout] " + run);
            results.add(run);
        }
        System.out.println("[mixed-rollout] longest gap over " + runs + " run(s): "
                + results.stream().mapToLong(r -> r.verdict().maxGapMs()).max().orElse(-1)
                + " ms; leader changes per run: "
                + results.stream().map(r -> String.valueOf(r.leaderChanges())).toList()
                + "; k8sensus's lease duration "
                + Long.getLong("k8sensus.mixed-rollout.lease-ms", migrationLeaseMs(TIMINGS)) + " ms, Camel's "
                + TIMINGS.leaseMs() + " ms");
        assertThat(results).allSatisfy(r -> {
            assertThat(r.verdict().overlaps())
                    .as("%s: actions of two replicas in one term", r)
                    .isZero();
            assertThat(r.verdict().stale())
                    .as("%s: actions of an ended term", r)
                    .isZero();
            assertThat(r.verdict().epochRegressions())
                    .as("%s: new terms without a higher epoch", r)
                    .isZero();
            assertThat(r.verdict().bothActingMs())
                    .as("%s: two terms acting at once (ms; -1: never)", r)
                    .isEqualTo(-1);
            assertThat(r.endHolder()).as("%s: the leader at the end", r).startsWith("k8sensus-");
            assertThat(r.verdict().maxGapMs())
                    .as("%s: longest gap (ms)", r)
                    .isLessThan(2 * migrationLeaseMs(TIMINGS) + 10_000);
        });
    }

    private Run rollout(int n) throws Exception {
        ChaosCluster.Launcher camel =
                Contender.stockCamel(TIMINGS, ExtraGroups.NONE, PREFIX, ClassDataArchives.flags(Contender.STOCK_CAMEL));
        long leaseMs = Long.getLong("k8sensus.mixed-rollout.lease-ms", migrationLeaseMs(TIMINGS));
        ChaosCluster.Launcher k8sensus = Contender.K8SENSUS.launcher(
                Path.of("target", "k8sensus.jar"),
                TIMINGS,
                ExtraGroups.NONE,
                List.of(
                        "-Dk8sensus.election.lease-prefix=" + PREFIX,
                        "-Dk8sensus.election.lease-duration-ms=" + leaseMs));
        String lease = PREFIX + "-" + History.HEARTBEAT;
        try (ChaosCluster cluster = new ChaosCluster(
                TIMINGS,
                (name, apiUrl, environment, onLine) ->
                        (name.startsWith("camel-") ? camel : k8sensus).start(name, apiUrl, environment, onLine),
                PREFIX)) {
            List<String> old = new ArrayList<>();
            for (int i = 1; i <= REPLICAS; i++) {
                old.add("camel-" + i);
                cluster.start("camel-" + i, Map.of());
            }
            // steady: every Camel replica has started, one of them acts, and the Lease names it
            await().atMost(STEP)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> old.stream().allMatch(cluster::hasStarted)
                            && !cluster.history.actions(History.HEARTBEAT).isEmpty()
                            && old.contains(
                                    LeaseHolder.of(cluster.api().lease(lease)).holder()));
            long from = System.nanoTime();

            for (int i = 1; i <= REPLICAS; i++) {
                String fresh = "k8sensus-" + i;
                cluster.start(fresh, Map.of());
                await().atMost(STEP).pollInterval(Duration.ofMillis(50)).until(() -> cluster.hasStarted(fresh));
                String stopped = old.remove(0);
                cluster.signal(stopped, "TERM");
                cluster.awaitExit(stopped);
                cluster.api().deletePod(stopped);
                System.out.printf(
                        "[mixed-rollout] run %d step %d: %s started, %s stopped; Lease %s%n",
                        n, i, fresh, stopped, describe(cluster.api().lease(lease)));
            }
            // a k8sensus replica takes over (if a Camel one led to the last step) and acts; then, for a lease duration,
            // the same one keeps acting and nobody else does: an old term acting late would show here
            await().atMost(STEP).pollInterval(Duration.ofMillis(50)).until(() -> leadingAndActing(cluster, lease));
            String holder = LeaseHolder.of(cluster.api().lease(lease)).holder();
            await().during(Duration.ofMillis(TIMINGS.leaseMs()))
                    .atMost(Duration.ofMillis(3 * TIMINGS.leaseMs()))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> holder.equals(
                            LeaseHolder.of(cluster.api().lease(lease)).holder()));
            long end = System.nanoTime();

            Path csv = Path.of("target", "mixed-rollout", "run-" + n + ".csv");
            Files.createDirectories(csv.getParent());
            Files.writeString(csv, cluster.history.csv(from));
            Files.write(csv.resolveSibling("run-" + n + ".log"), cluster.output());
            History.Verdict verdict = cluster.history.check(History.HEARTBEAT, from, end);
            return new Run(
                    n,
                    verdict,
                    RolloutBenchmark.newTerms(cluster.history, History.HEARTBEAT, from, end),
                    holder,
                    "Lease at the end: " + describe(cluster.api().lease(lease)));
        }
    }

    /** A k8sensus replica holds the Lease and its last action is the newest. */
    private static boolean leadingAndActing(ChaosCluster cluster, String lease) {
        String holder = LeaseHolder.of(cluster.api().lease(lease)).holder();
        List<History.Action> actions = cluster.history.actions(History.HEARTBEAT);
        return holder != null
                && holder.startsWith("k8sensus-")
                && !actions.isEmpty()
                && actions.get(actions.size() - 1).replica().equals(holder);
    }

    private static String describe(Lease lease) {
        if (lease == null || lease.getSpec() == null) {
            return "none";
        }
        var spec = lease.getSpec();
        return "holder " + spec.getHolderIdentity() + ", leaseTransitions " + spec.getLeaseTransitions()
                + ", leaseDurationSeconds " + spec.getLeaseDurationSeconds() + ", acquireTime " + spec.getAcquireTime()
                + ", renewTime " + spec.getRenewTime() + ", labels "
                + lease.getMetadata().getLabels()
                + ", annotations " + lease.getMetadata().getAnnotations();
    }
}
