package io.k8sensus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.k8sensus.launcher.ReplicaProcess;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A replica process that is not a candidate (no Pod of its name), beside a Lease whose holder is gone, idles: over many
 * retry periods past the Lease's expiry its whole process uses a small share of one core, where an election loop that
 * spun on the expired Lease would use all of it. Measured on the replica's own process (its CPU time as the kernel
 * counts it), so nothing else running beside it counts.
 */
class NonCandidateIT {

    private static final String LEASE = "k8sensus-heartbeat";
    /** Ten retry periods (0.5 s) past the Lease's expiry. */
    private static final Duration WINDOW = Duration.ofSeconds(5);

    @Test
    void a_replica_without_a_pod_idles_beside_an_expired_lease() throws Exception {
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            ZonedDateTime longAgo = ZonedDateTime.now().minusHours(1);
            api.client()
                    .leases()
                    .inNamespace(EmbeddedKubernetesApi.NAMESPACE)
                    .resource(new LeaseBuilder()
                            .withNewMetadata()
                            .withName(LEASE)
                            .endMetadata()
                            .withNewSpec()
                            .withHolderIdentity("gone")
                            .withLeaseTransitions(4)
                            .withLeaseDurationSeconds(3)
                            .withAcquireTime(longAgo)
                            .withRenewTime(longAgo)
                            .endSpec()
                            .build())
                    .create();
            ReplicaProcess replica = ReplicaProcess.start(
                    "replica-x",
                    Path.of("target", "k8sensus.jar"),
                    List.of(),
                    3000,
                    2000,
                    500,
                    api.url(),
                    EmbeddedKubernetesApi.NAMESPACE,
                    List.of("-Dk8sensus.kubernetes.call-timeout-ms=1600"),
                    Map.of(),
                    (r, line) -> lines.add(line));
            try {
                await().atMost(Duration.ofSeconds(60))
                        .untilAsserted(() ->
                                assertThat(List.copyOf(lines)).anyMatch(l -> l.contains("event=not-a-candidate")));
                ProcessHandle process = replica.process().toHandle();
                Duration cpuBefore = process.info().totalCpuDuration().orElseThrow();
                long wallBefore = System.nanoTime();
                // the window is the measurement: the Lease must stay as it was all along
                await().during(WINDOW).atMost(WINDOW.plusSeconds(10)).until(() -> "gone".equals(api.holder(LEASE)));
                Duration cpu = process.info().totalCpuDuration().orElseThrow().minus(cpuBefore);
                Duration wall = Duration.ofNanos(System.nanoTime() - wallBefore);

                // a loop spinning on the expired Lease would take a whole core: 100% of the wall time
                assertThat(cpu)
                        .as("the replica process's CPU time over %d ms", wall.toMillis())
                        .isLessThan(wall.dividedBy(5));
                assertThat(lines.stream().filter(l -> l.contains("event=not-a-candidate")))
                        .hasSize(1);
            } finally {
                replica.stop(10);
            }
        }
    }
}
