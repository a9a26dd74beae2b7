package io.k8sensus.chaos;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.k8sensus.launcher.ReplicaCluster;
import io.k8sensus.launcher.ReplicaProcess;
import io.k8sensus.tools.ApiRequest;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import io.k8sensus.tools.EmbeddedKubernetesApi.FaultyConnection;
import io.k8sensus.tools.FaultSwitch;
import io.k8sensus.tools.LeaseHolder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Real replica processes on one embedded API, each through a connection of its own that a scenario can break, with
 * the kubelet played here (Pods Running and Ready, NotReady, deleted). Every Lease state goes to the {@link History}.
 */
final class ChaosCluster extends ReplicaCluster {

    static final String NAMESPACE = EmbeddedKubernetesApi.NAMESPACE;
    static final String LEASE = leaseOf(History.HEARTBEAT);

    /** The Lease of an election group, with the shipped prefix. */
    static String leaseOf(String group) {
        return "k8sensus-" + group;
    }

    final Timings timings;
    final History history = new History();
    private final SharedIndexInformer<Lease> leases;
    private final Launcher launcher;
    /** The Lease name of group g is this followed by g. */
    private final String leasePrefix;
    /** The fencing receiver, if {@link #startReceiver} started one. */
    private volatile ReplicaProcess receiver;

    private final Map<String, FaultyConnection> connections = new ConcurrentHashMap<>();
    private final Map<String, Long> startedNanos = new ConcurrentHashMap<>();
    /** How many processes were started under each name: a restart is a new life. */
    private final Map<String, Integer> lives = new ConcurrentHashMap<>();

    private final List<String> output = Collections.synchronizedList(new ArrayList<>());

    /** Lease, renew deadline, retry period (x jitter 1.2), call timeout and the heartbeat's period, in ms. */
    record Timings(long leaseMs, long renewMs, long retryMs, long callTimeoutMs, long periodMs) {
        long poll() {
            return (long) (retryMs * 1.2);
        }
    }

    /** Replicas of the application jar with more JVM settings and more classes on their class path. */
    ChaosCluster(Path jar, Timings timings, List<String> settings, List<Path> moreClasses) {
        this(timings, k8sensus(jar, timings, settings, moreClasses));
    }

    ChaosCluster(Timings timings, Launcher launcher) {
        this(timings, launcher, "k8sensus");
    }

    /** Replicas whose groups are elected through the Leases {@code <leasePrefix>-<group>}. */
    ChaosCluster(Timings timings, Launcher launcher, String leasePrefix) {
        super(new EmbeddedKubernetesApi(), NAMESPACE, 5);
        this.launcher = launcher;
        this.timings = timings;
        this.leasePrefix = leasePrefix + "-";
        this.leases = api.client().leases().inNamespace(NAMESPACE).inform(new LeaseStates());
    }

    /** Feeds every added or changed Lease of a group ({@code <prefix>-<group>}) to the history. */
    private final class LeaseStates implements ResourceEventHandler<Lease> {

        @Override
        public void onAdd(Lease lease) {
            record(lease);
        }

        @Override
        public void onUpdate(Lease before, Lease lease) {
            record(lease);
        }

        @Override
        public void onDelete(Lease lease, boolean finalStateUnknown) {
            // a deleted Lease names no epoch: the highest one seen stays the bar
        }

        private void record(Lease lease) {
            long now = System.nanoTime();
            String name = lease.getMetadata().getName();
            if (!name.startsWith(leasePrefix) || lease.getSpec() == null) {
                return;
            }
            LeaseHolder term = LeaseHolder.of(lease);
            history.onLease(name.substring(leasePrefix.length()), term.holder(), term.epoch(), now);
        }
    }

    /**
     * Starts the fencing receiver of {@code examples/fencing/receiver} as a process of the application jar (not a
     * candidate: it has no Pod), serving {@link #receiverUrl}; its answers go to the history.
     */
    void startReceiver(Path jar, int port) throws IOException {
        receiver = ReplicaProcess.start(
                "receiver",
                jar,
                List.of(),
                timings.leaseMs(),
                timings.renewMs(),
                timings.retryMs(),
                api.url(),
                NAMESPACE,
                List.of(
                        "-Dk8sensus.routes.dir="
                                + Path.of("examples", "fencing", "receiver").toAbsolutePath(),
                        "-Dk8sensus.kubernetes.call-timeout-ms=" + timings.callTimeoutMs(),
                        "-Dcamel.server.enabled=true",
                        "-Dcamel.server.port=" + port),
                Map.of(),
                (r, line) -> {
                    output.add(r + " " + line);
                    history.onLine(r, 1, line);
                });
    }

    /** The URL of the fencing receiver's route, once started on {@code port}. */
    static String receiverUrl(int port) {
        return "http://127.0.0.1:" + port + "/fenced/actions";
    }

    /** Replicas of the application jar, with more JVM settings and more classes after the jar on the class path. */
    static Launcher k8sensus(Path jar, Timings timings, List<String> settings, List<Path> moreClasses) {
        return (name, apiUrl, environment, onLine) -> {
            List<String> all = new ArrayList<>(List.of(
                    "-Dk8sensus.kubernetes.call-timeout-ms=" + timings.callTimeoutMs(),
                    "-Dk8sensus.heartbeat.period-ms=" + timings.periodMs()));
            all.addAll(settings);
            return ReplicaProcess.start(
                    name,
                    jar,
                    moreClasses,
                    timings.leaseMs(),
                    timings.renewMs(),
                    timings.retryMs(),
                    apiUrl,
                    NAMESPACE,
                    all,
                    environment,
                    onLine);
        };
    }

    /** Starts (or restarts: a new life) a replica through its own connection. */
    void start(String name, Map<String, String> environment) throws IOException {
        FaultyConnection connection = connections.computeIfAbsent(name, n -> api.faultyConnection());
        startedNanos.put(name, System.nanoTime());
        int life = lives.merge(name, 1, Integer::sum);
        start(name, launcher, connection.url(), environment, (r, line) -> {
            output.add(r + " " + line);
            history.onLine(r, life, line);
        });
    }

    /** When the replica's process was started, on the history's clock. */
    long startedNanos(String name) {
        return startedNanos.get(name);
    }

    /** The requests a replica made so far through its own connection, each as "METHOD path". */
    List<String> takeRequests(String name) throws InterruptedException {
        return connections.get(name).takeRequests();
    }

    FaultSwitch faults(String name) {
        return connections.get(name).faults();
    }

    /** All connections at once (the API down for everyone). */
    void faultsForAll(FaultSwitch.Mode mode) {
        connections.values().forEach(c -> c.faults().set(mode));
    }

    /** The replica the heartbeat's Lease names, once one acts. */
    String leader() {
        return LeaseHolder.of(api.lease(leasePrefix + History.HEARTBEAT)).holder();
    }

    /**
     * A poll for steady state: on each call, the heartbeat Lease's holder if it has renewed its term since the call
     * before (the same holder, a new resource version), else null.
     */
    Supplier<String> renewingHolder() {
        AtomicReference<Lease> previous = new AtomicReference<>();
        return () -> {
            Lease now = api.lease(LEASE);
            Lease before = previous.getAndSet(now);
            String holder = LeaseHolder.of(now).holder();
            boolean renewed = before != null
                    && holder != null
                    && holder.equals(LeaseHolder.of(before).holder())
                    && !now.getMetadata()
                            .getResourceVersion()
                            .equals(before.getMetadata().getResourceVersion());
            return renewed ? holder : null;
        };
    }

    /** Whether the replica's process has said it started (a candidate from then on). */
    boolean hasStarted(String name) {
        return output().stream().anyMatch(line -> line.startsWith(name + " ") && line.matches(".*\\bstarted\\b.*"));
    }

    /**
     * The requests of the given replicas during a window, counted by verb and resource as RBAC names them
     * ({@link ApiRequest#verbAndResource}); their earlier requests are dropped.
     */
    Map<String, Integer> requestsDuring(List<String> names, long windowMs) throws InterruptedException {
        for (String name : names) {
            takeRequests(name);
        }
        ChaosRun.pause(windowMs);
        Map<String, Integer> byVerb = new TreeMap<>();
        for (String name : names) {
            for (String request : takeRequests(name)) {
                byVerb.merge(ApiRequest.parse(request).verbAndResource(), 1, Integer::sum);
            }
        }
        return byVerb;
    }

    List<String> output() {
        return List.copyOf(output);
    }

    @Override
    public void close() {
        leases.close();
        if (receiver != null) {
            receiver.stop(5);
        }
        super.close();
    }
}
