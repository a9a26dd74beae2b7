package io.k8sensus.chaos;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The client-go contender: fabric8's {@code LeaderElector} (the Java port of client-go's {@code leaderelection}) with a
 * Lease lock and release on cancel, doing the same leader-only action as k8sensus's shipped heartbeat and printing
 * it in the same form ({@code leader heartbeat group=... leader=... epoch=... seq=...}).
 * <p>
 * Arguments: apiUrl namespace podName leaseMs renewMs retryMs periodMs callTimeoutMs leaseName [moreLeaseNames,...];
 * each further Lease gets an elector of its own with no action (for the cost of many groups). The call timeout is
 * the fabric8 client's request and connection timeout, with no retries inside the client; fabric8's elector has no
 * timeout of its own around a renewal (client-go's wraps each in a context of the renew deadline).
 */
public final class ClientGoReplica {

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private ClientGoReplica() {}

    public static void main(String[] args) throws Exception {
        String apiUrl = args[0];
        String namespace = args[1];
        String name = args[2];
        long leaseMs = Long.parseLong(args[3]);
        long renewMs = Long.parseLong(args[4]);
        long retryMs = Long.parseLong(args[5]);
        long periodMs = Long.parseLong(args[6]);
        int callTimeoutMs = Integer.parseInt(args[7]);
        String leaseName = args[8];

        KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl(apiUrl)
                        .withNamespace(namespace)
                        .withRequestTimeout(callTimeoutMs)
                        .withConnectionTimeout(callTimeoutMs)
                        .withRequestRetryBackoffLimit(0)
                        .build())
                .build();
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor();
        AtomicLong seq = new AtomicLong();
        ScheduledFuture<?>[] running = new ScheduledFuture<?>[1];

        Runnable onStart = () -> {
            Lease lease =
                    client.leases().inNamespace(namespace).withName(leaseName).get();
            Integer transitions = lease == null ? null : lease.getSpec().getLeaseTransitions();
            long epoch = transitions == null ? 0 : transitions;
            log(name, "started leading epoch=" + epoch);
            // with a fixed delay, as the shipped heartbeat's Camel timer (fixedRate=false): a late beat is not
            // made up for by a burst
            running[0] = heartbeat.scheduleWithFixedDelay(
                    () -> log(
                            name,
                            "leader heartbeat group=heartbeat leader="
                                    + name + " epoch=" + epoch + " seq="
                                    + seq.incrementAndGet()),
                    0,
                    periodMs,
                    TimeUnit.MILLISECONDS);
        };
        Runnable onStop = () -> {
            if (running[0] != null) {
                running[0].cancel(false);
            }
            log(name, "stopped leading");
        };
        Timings timings = new Timings(leaseMs, renewMs, retryMs);
        LeaderElector elector = elector(
                client,
                namespace,
                leaseName,
                name,
                timings,
                new LeaderCallbacks(onStart, onStop, leader -> log(name, "new leader " + leader)));
        @SuppressWarnings("unchecked")
        CompletableFuture<?>[] election = new CompletableFuture<?>[1];
        AtomicBoolean stopping = new AtomicBoolean();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stopping.set(true);
            if (running[0] != null) {
                running[0].cancel(false);
            }
            if (election[0] != null) {
                election[0].cancel(true);
            }
            elector.release();
            log(name, "released");
        }));
        if (args.length > 9) {
            for (String more : args[9].split(",")) {
                LeaderElector extra = elector(
                        client, namespace, more, name, timings, new LeaderCallbacks(() -> {}, () -> {}, leader -> {}));
                Thread loop = new Thread(
                        () -> {
                            while (!stopping.get()) {
                                extra.start().handle((r, e) -> null).join();
                            }
                        },
                        "elector-" + more);
                loop.setDaemon(true);
                loop.start();
            }
        }
        log(name, "started");
        // like a client-go program that runs the elector again after losing: a candidate until stopped
        while (!stopping.get()) {
            election[0] = elector.start();
            election[0].handle((r, e) -> null).get();
        }
    }

    private record Timings(long leaseMs, long renewMs, long retryMs) {}

    /** client-go's elector on one Lease, releasing it when cancelled. */
    private static LeaderElector elector(
            KubernetesClient client,
            String namespace,
            String leaseName,
            String name,
            Timings t,
            LeaderCallbacks callbacks) {
        return client.leaderElector()
                .withConfig(new LeaderElectionConfigBuilder()
                        .withName(leaseName)
                        .withLock(new LeaseLock(namespace, leaseName, name))
                        .withLeaseDuration(Duration.ofMillis(t.leaseMs()))
                        .withRenewDeadline(Duration.ofMillis(t.renewMs()))
                        .withRetryPeriod(Duration.ofMillis(t.retryMs()))
                        .withReleaseOnCancel(true)
                        .withLeaderCallbacks(callbacks)
                        .build())
                .build();
    }

    private static void log(String name, String message) {
        System.out.println(LocalTime.now().format(CLOCK) + " INFO  [" + name + "] clientgo - " + message);
        System.out.flush();
    }
}
