package io.k8sensus.chaos;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.k8sensus.launcher.ReplicaProcess;
import io.k8sensus.tools.EmbeddedKubernetesApi;

/**
 * A leader election measured by the benchmark, as real replica processes on the embedded API: k8sensus as shipped,
 * stock Camel (Camel's controller, no release on shutdown) and client-go's algorithm (fabric8's LeaderElector,
 * {@link ClientGoReplica}).
 */
enum Contender {
    K8SENSUS("k8sensus"),
    STOCK_CAMEL("stock-camel"),
    CLIENT_GO("client-go");

    final String label;

    Contender(String label) {
        this.label = label;
    }

    static Contender of(String label) {
        return Arrays.stream(values()).filter(c -> c.label.equals(label)).findFirst().orElseThrow(
                () -> new IllegalArgumentException("--contenders: unknown contender '" + label + "', known: "
                                                   + Arrays.stream(values()).map(c -> c.label).toList()));
    }

    ChaosCluster.Launcher launcher(Path jar, ChaosCluster.Timings t) {
        return launcher(jar, t, ExtraGroups.NONE);
    }

    /** Replicas that also elect a leader in each of {@code extra}'s groups. */
    ChaosCluster.Launcher launcher(Path jar, ChaosCluster.Timings t, ExtraGroups extra) {
        return launcher(jar, t, extra, List.of());
    }

    /** The same, with more settings ({@code -Dkey=value}) for k8sensus and stock Camel. */
    ChaosCluster.Launcher launcher(Path jar, ChaosCluster.Timings t, ExtraGroups extra, List<String> more) {
        List<String> groups = new ArrayList<>(extra.settings());
        groups.addAll(more);
        return switch (this) {
            case K8SENSUS -> asShipped(jar, t, groups);
            case STOCK_CAMEL -> {
                groups.addAll(List.of("-Dk8sensus.election.algorithm=camel",
                        "-Dk8sensus.election.release-on-shutdown=false"));
                yield asShipped(jar, t, groups);
            }
            // fabric8's request and connection timeouts at R / 4, as in every published run of the takeover figures
            case CLIENT_GO -> clientGo(t, extra, t.renewMs() / 4);
        };
    }

    /**
     * Replicas whose API calls time out after the timings' call timeout, whichever the contender: the jar's replicas
     * get it as {@code k8sensus.kubernetes.call-timeout-ms} (as always), client-go's as fabric8's request and
     * connection timeouts (its elector has no timeout of its own) instead of R / 4.
     */
    ChaosCluster.Launcher launcherWithCallTimeout(Path jar, ChaosCluster.Timings t) {
        return this == CLIENT_GO ? clientGo(t, ExtraGroups.NONE, t.callTimeoutMs()) : launcher(jar, t);
    }

    /** client-go's replicas with fabric8's request and connection timeouts at {@code callTimeoutMs}. */
    static ChaosCluster.Launcher clientGo(ChaosCluster.Timings t, long callTimeoutMs) {
        return clientGo(t, ExtraGroups.NONE, callTimeoutMs);
    }

    /**
     * Replicas of the jar as the image runs them: the management server on (health probes, Prometheus metrics),
     * each on a port of its own, so that its memory and start-up count.
     */
    private static ChaosCluster.Launcher asShipped(Path jar, ChaosCluster.Timings t, List<String> settings) {
        return (name, apiUrl, environment, onLine) -> {
            List<String> all = new ArrayList<>(settings);
            all.addAll(List.of("-Dcamel.management.enabled=true",
                    "-Dcamel.management.port=" + io.k8sensus.tools.EmbeddedKubernetesApi.freePort()));
            return ChaosCluster.k8sensus(jar, t, all).start(name, apiUrl, environment, onLine);
        };
    }

    private static ChaosCluster.Launcher clientGo(ChaosCluster.Timings t, ExtraGroups extra, long callTimeoutMs) {
        return (name, apiUrl, environment, onLine) -> {
            List<String> command = new ArrayList<>(List.of(
                    ProcessHandle.current().info().command().orElse("java"),
                    "@" + ReplicaProcess.JVM_OPTIONS, "-XX:MaxRAM=" + ReplicaProcess.CONTAINER_MEMORY_LIMIT,
                    "-cp", System.getProperty("java.class.path"),
                    ClientGoReplica.class.getName(), apiUrl, ChaosCluster.NAMESPACE, name,
                    String.valueOf(t.leaseMs()), String.valueOf(t.renewMs()), String.valueOf(t.retryMs()),
                    String.valueOf(t.periodMs()), String.valueOf(callTimeoutMs), ChaosCluster.LEASE));
            if (!extra.names().isEmpty()) {
                command.add(String.join(",", extra.leases()));
            }
            return ReplicaProcess.startCommand(name, command, environment, onLine);
        };
    }
}
