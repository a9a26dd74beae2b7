package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.k8sensus.tools.LeaseHolder;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What stock Camel 4.18 does when someone else writes its Lease's metadata (an annotation: {@code kubectl annotate},
 * or a k8sensus replica's runner mark during a mixed rollout, docs/RELIABILITY.md): its controller renews with an
 * update conditioned on the resourceVersion it last read, and a 409 there ends the controller's task for good, without
 * a log line. Two replicas of the plain Camel application; while the first leads, an annotation is patched onto the
 * Lease every 10 ms (a JSON merge patch of the metadata, as k8sensus writes its marks) until its renewals stop. Afterwards
 * the leader stops acting, the Lease keeps naming it and is never renewed again, and the second replica never takes
 * over: its Pod is Ready, so Camel holds it valid. If a Camel upgrade fixes this, this test fails: then the migration
 * notes in docs/RELIABILITY.md are to be revised.
 */
class StockCamelLeaseWriteIT {

    private static final ChaosCluster.Timings TIMINGS = MixedRolloutIT.TIMINGS;
    private static final String LEASE = MixedRolloutIT.PREFIX + "-" + History.HEARTBEAT;

    @Test
    void a_write_of_the_leases_metadata_before_a_renewal_stops_camels_controller_and_leaves_the_group_without_leader()
            throws Exception {
        ChaosCluster.Launcher camel = Contender.stockCamel(
                TIMINGS, ExtraGroups.NONE, MixedRolloutIT.PREFIX, ClassDataArchives.flags(Contender.STOCK_CAMEL));
        try (ChaosCluster cluster = new ChaosCluster(TIMINGS, camel, MixedRolloutIT.PREFIX)) {
            cluster.start("camel-1", Map.of());
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !cluster.history.actions(History.HEARTBEAT).isEmpty());
            cluster.start("camel-2", Map.of());
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.hasStarted("camel-2"));

            ScheduledExecutorService writer = Executors.newSingleThreadScheduledExecutor();
            AtomicInteger writes = new AtomicInteger();
            writer.scheduleAtFixedRate(
                    () -> {
                        try {
                            cluster.api()
                                    .client()
                                    .leases()
                                    .inNamespace(ChaosCluster.NAMESPACE)
                                    .withName(LEASE)
                                    .patch(
                                            PatchContext.of(PatchType.JSON_MERGE),
                                            "{\"metadata\":{\"annotations\":" + "{\"example.com/touched\":\""
                                                    + writes.incrementAndGet() + "\"}}}");
                        } catch (RuntimeException e) {
                            // the next one
                        }
                    },
                    0,
                    10,
                    TimeUnit.MILLISECONDS);
            try {
                // until Camel's renewals stop: its renew time unchanged for two of its renewal intervals (renew
                // deadline + retry period x jitter); a write between its read and its renewal has then met it
                long quiet = 2 * (TIMINGS.renewMs() + TIMINGS.poll()) * 1_000_000L;
                ZonedDateTime[] seen = {renewTime(cluster.api().lease(LEASE))};
                long[] since = {System.nanoTime()};
                await().atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            ZonedDateTime now = renewTime(cluster.api().lease(LEASE));
                            if (!Objects.equals(now, seen[0])) {
                                seen[0] = now;
                                since[0] = System.nanoTime();
                            }
                            return System.nanoTime() - since[0] > quiet;
                        });
            } finally {
                writer.shutdownNow();
                writer.awaitTermination(5, TimeUnit.SECONDS);
            }
            long afterWrites = System.nanoTime();
            ZonedDateTime renewed = renewTime(cluster.api().lease(LEASE));

            // for three lease durations after the writes: the Lease still names camel-1 and is never renewed, and
            // from a renew deadline on nobody acts, though both processes run and both Pods are Ready
            await().during(Duration.ofMillis(3 * TIMINGS.leaseMs()))
                    .atMost(Duration.ofMillis(4 * TIMINGS.leaseMs()))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> {
                        Lease lease = cluster.api().lease(LEASE);
                        return "camel-1".equals(LeaseHolder.of(lease).holder()) && renewed.equals(renewTime(lease));
                    });
            // the leader acts until a renew deadline after its last successful read, which came before the writes ended
            long deadline = afterWrites + (TIMINGS.renewMs() + TIMINGS.periodMs() + 500) * 1_000_000L;
            List<History.Action> late = cluster.history.actions(History.HEARTBEAT).stream()
                    .filter(a -> a.nanos() > deadline)
                    .toList();
            assertThat(late)
                    .as("actions a renew deadline after the writes, by anyone")
                    .isEmpty();
            assertThat(cluster.replica("camel-1").isAlive()).isTrue();
            assertThat(cluster.replica("camel-2").isAlive()).isTrue();
            assertThat(cluster.output()).as("what Camel says about it").noneMatch(line -> line.contains("ERROR"));
        }
    }

    private static ZonedDateTime renewTime(Lease lease) {
        return lease == null || lease.getSpec() == null ? null : lease.getSpec().getRenewTime();
    }
}
