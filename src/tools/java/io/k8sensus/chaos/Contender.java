package io.k8sensus.chaos;

import io.k8sensus.launcher.ReplicaProcess;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A leader election measured by the benchmark, as real replica processes on the embedded API: k8sensus as shipped,
 * stock Camel (a plain camel-master application with camel-kubernetes' cluster service, {@code io.k8sensus.stock}) and
 * client-go's algorithm (fabric8's LeaderElector, {@link ClientGoReplica}).
 * <p>
 * Every contender's replicas get the same treatment: the image's JVM settings and heap ({@code jvm.options},
 * {@code -XX:MaxRAM}), the class-data archive of {@link ClassDataArchives} (each its own, or none for all), no
 * management server (client-go's process has none), the same heartbeat period, and the timings' call timeout on every
 * API call where the library lets it be set: k8sensus's {@code k8sensus.kubernetes.call-timeout-ms}; Camel's connection
 * timeout and fabric8's request timeout without retries for stock Camel; fabric8's request and connection timeouts
 * without retries for client-go.
 */
enum Contender {
    K8SENSUS("k8sensus", "k8sensus"),
    STOCK_CAMEL("stock-camel", "stock Camel"),
    CLIENT_GO("client-go", "fabric8 LeaderElector (client-go's algorithm)");

    /**
     * The client-go process ({@link ClientGoReplica} alone) as a jar on the libraries of the application jar
     * (target/lib/): a class-data archive maps jars only, and the libraries are the same as the other contenders'.
     */
    static final Path CLIENT_GO_JAR = Path.of("target", "k8sensus-client-go.jar");

    /**
     * The plain Camel application ({@code io.k8sensus.stock.StockCamelApplication}) as a jar: its own classes and
     * resources on the application jar's libraries (target/lib/), nothing of k8sensus.
     */
    static final Path STOCK_CAMEL_JAR = Path.of("target", "k8sensus-stock-camel.jar");

    /** The short name of the command line and the CSV files. */
    final String label;
    /** The name in the reports' tables and the docs. */
    final String title;

    Contender(String label, String title) {
        this.label = label;
        this.title = title;
    }

    static Contender of(String label) {
        return Arrays.stream(values())
                .filter(c -> c.label.equals(label))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("--contenders: unknown contender '" + label + "', known: "
                                + Arrays.stream(values()).map(c -> c.label).toList()));
    }

    /** A contender's title for its label; other labels (a variant of one) as they are. */
    static String titleOf(String label) {
        return Arrays.stream(values())
                .filter(c -> c.label.equals(label))
                .findFirst()
                .map(c -> c.title)
                .orElse(label);
    }

    ChaosCluster.Launcher launcher(Path jar, ChaosCluster.Timings t) {
        return launcher(jar, t, ExtraGroups.NONE);
    }

    /** Replicas that also elect a leader in each of {@code extra}'s groups. */
    ChaosCluster.Launcher launcher(Path jar, ChaosCluster.Timings t, ExtraGroups extra) {
        return launcher(jar, t, extra, List.of());
    }

    /** The same, with more settings ({@code -Dkey=value}) for k8sensus. */
    ChaosCluster.Launcher launcher(Path jar, ChaosCluster.Timings t, ExtraGroups extra, List<String> more) {
        return launcher(jar, t, extra, more, ClassDataArchives.flags(this));
    }

    /** The same, with the given class-data flags instead of {@link ClassDataArchives}'s (to train an archive). */
    ChaosCluster.Launcher launcher(
            Path jar, ChaosCluster.Timings t, ExtraGroups extra, List<String> more, List<String> classData) {
        return switch (this) {
            case K8SENSUS -> {
                List<String> settings = new ArrayList<>(classData);
                settings.addAll(extra.settings());
                settings.addAll(more);
                yield ChaosCluster.k8sensus(jar, t, settings, List.of());
            }
            case STOCK_CAMEL -> stockCamel(t, extra, "k8sensus", classData);
            case CLIENT_GO -> clientGo(t, extra, t.callTimeoutMs(), classData);
        };
    }

    /**
     * Replicas of the plain Camel application electing through the Leases {@code <resourceName>-<group>}
     * ({@code k8sensus-heartbeat} with the prefix k8sensus: the one the harness watches), candidates by the labels the
     * embedded API gives every Pod.
     */
    static ChaosCluster.Launcher stockCamel(
            ChaosCluster.Timings t, ExtraGroups extra, String resourceName, List<String> classData) {
        return (name, apiUrl, environment, onLine) -> {
            List<String> settings = new ArrayList<>(List.of(
                    "-Dcluster.kubernetes.master-url=" + apiUrl,
                    "-Dcluster.kubernetes.namespace=" + ChaosCluster.NAMESPACE,
                    "-Dcluster.kubernetes.pod-name=" + name,
                    "-Dcluster.kubernetes.cluster-labels=" + labels(EmbeddedKubernetesApi.CANDIDATE_LABELS),
                    "-Dcluster.kubernetes.resource-name=" + resourceName,
                    "-Dcluster.kubernetes.lease-duration-ms=" + t.leaseMs(),
                    "-Dcluster.kubernetes.renew-deadline-ms=" + t.renewMs(),
                    "-Dcluster.kubernetes.retry-period-ms=" + t.retryMs(),
                    // the call timeout: Camel sets the client's connection timeout; fabric8 reads its request timeout
                    // and retries from system properties (10 s and 10 retries by default)
                    "-Dcluster.kubernetes.connection-timeout-ms=" + t.callTimeoutMs(),
                    "-Dkubernetes.request.timeout=" + t.callTimeoutMs(),
                    "-Dkubernetes.request.retry.backoffLimit=0",
                    "-Dheartbeat.period-ms=" + t.periodMs(),
                    // as the k8sensus replicas of the tools
                    "-Dcamel.main.shutdown-timeout=5"));
            settings.addAll(extra.stockSettings());
            List<String> command = ReplicaProcess.java();
            command.addAll(classData);
            command.addAll(settings);
            command.addAll(List.of("-jar", STOCK_CAMEL_JAR.toAbsolutePath().toString()));
            return ReplicaProcess.startCommand(name, command, environment, onLine);
        };
    }

    private static String labels(Map<String, String> labels) {
        return String.join(
                ",",
                labels.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .toList());
    }

    /**
     * client-go's replicas with fabric8's request and connection timeouts at {@code callTimeoutMs} (fabric8's defaults
     * are 10 s), no class-data archive of their own.
     */
    static ChaosCluster.Launcher clientGo(ChaosCluster.Timings t, long callTimeoutMs) {
        return clientGo(t, ExtraGroups.NONE, callTimeoutMs, ClassDataArchives.flags(CLIENT_GO));
    }

    private static ChaosCluster.Launcher clientGo(
            ChaosCluster.Timings t, ExtraGroups extra, long callTimeoutMs, List<String> classData) {
        return (name, apiUrl, environment, onLine) -> {
            List<String> command = ReplicaProcess.java();
            command.addAll(classData);
            command.addAll(List.of(
                    "-jar",
                    CLIENT_GO_JAR.toAbsolutePath().toString(),
                    apiUrl,
                    ChaosCluster.NAMESPACE,
                    name,
                    String.valueOf(t.leaseMs()),
                    String.valueOf(t.renewMs()),
                    String.valueOf(t.retryMs()),
                    String.valueOf(t.periodMs()),
                    String.valueOf(callTimeoutMs),
                    ChaosCluster.LEASE));
            if (!extra.names().isEmpty()) {
                command.add(String.join(",", extra.leases()));
            }
            return ReplicaProcess.startCommand(name, command, environment, onLine);
        };
    }
}
