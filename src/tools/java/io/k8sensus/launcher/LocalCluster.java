package io.k8sensus.launcher;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.k8sensus.cli.CommandLine;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import io.k8sensus.tools.LeaseHolder;
import io.k8sensus.wiring.SqlRecipeDemo;
import java.io.IOException;
import java.net.BindException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.util.concurrent.CamelThreadFactory;
import sun.misc.Signal;

/**
 * Runs k8sensus locally as a newcomer would see it on a cluster: an embedded Kubernetes API, N replica processes of
 * the real jar, the kubelet's part (Pods Running and Ready, deleted when their process exits), a live view, and
 * optional faults on the leader. It lives beside the tests because it is built on the same embedded API.
 * <p>
 * {@code make run ARGS="--replicas 3 --kill-leader-every 30"}; Ctrl-C or {@code --duration} stops everything.
 */
public final class LocalCluster {

    static final String NAMESPACE = "local";
    private static final long GRACE_SECONDS = 10;

    private final LauncherOptions options;
    private final EmbeddedKubernetesApi api;
    private final ReplicaCluster cluster;
    private final LiveView view;
    private final Set<String> expectedExits = ConcurrentHashMap.newKeySet();
    private final AtomicInteger nextIndex = new AtomicInteger(1);
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final CountDownLatch done = new CountDownLatch(1);
    private final ScheduledExecutorService scheduler =
            Executors.newSingleThreadScheduledExecutor(new CamelThreadFactory("#name#", "launcher", true));
    private volatile int exitCode;
    private volatile SqlRecipeDemo recipe;

    private LocalCluster(LauncherOptions options, EmbeddedKubernetesApi api) {
        this.options = options;
        this.api = api;
        this.cluster = new ReplicaCluster(api, NAMESPACE, GRACE_SECONDS);
        this.view = new LiveView(System.out, api.client(), NAMESPACE, options.allLines());
    }

    public static void main(String[] args) {
        if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
            System.out.print(LauncherOptions.USAGE);
            System.exit(0);
            return;
        }
        LauncherOptions options = CommandLine.orExit(() -> LauncherOptions.parse(List.of(args)), LauncherOptions.USAGE);
        if (options.apiPort() > 0 && !EmbeddedKubernetesApi.portIsFree(options.apiPort())) {
            System.err.println("k8sensus run: port " + options.apiPort() + " is in use: choose another --api-port");
            System.exit(2);
            return;
        }
        EmbeddedKubernetesApi api;
        try {
            api = new EmbeddedKubernetesApi(options.apiPort());
        } catch (RuntimeException e) {
            boolean inUse = e.getCause() instanceof BindException
                    || String.valueOf(e.getMessage()).contains("Address already in use");
            System.err.println("k8sensus run: cannot start the embedded Kubernetes API on port " + options.apiPort()
                    + (inUse ? ": the port is in use" : ": " + e.getMessage()));
            System.exit(2);
            return;
        }
        LocalCluster cluster = new LocalCluster(options, api);
        // Ctrl-C (and SIGTERM) is a normal way to end a run: stop everything and exit 0, not 130
        for (String signal : List.of("INT", "TERM")) {
            Signal.handle(new Signal(signal), s -> cluster.shutdownInBackground());
        }
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::shutdown, "shutdown-hook"));
        System.exit(cluster.run());
    }

    private int run() {
        view.say("embedded Kubernetes API on " + api.url() + " (namespace " + NAMESPACE + "); " + options.replicas()
                + " replicas; lease " + options.leaseMs() + " ms, renew deadline " + options.renewMs()
                + " ms, retry period " + options.retryMs() + " ms"
                + (options.routesDir() == null
                        ? ""
                        : "; routes from " + options.routesDir() + ", reloaded on every replica when a file changes"));
        view.start();
        if (options.metrics()) {
            // what kubectl get events would show: the replicas' Events regarding their Leases
            api.client().v1().events().inNamespace(NAMESPACE).inform(new ResourceEventHandler<Event>() {
                @Override
                public void onAdd(Event e) {
                    view.say("Kubernetes Event " + e.getReason() + " on "
                            + e.getInvolvedObject().getKind().toLowerCase() + "/"
                            + e.getInvolvedObject().getName() + ": " + e.getMessage());
                }

                @Override
                public void onUpdate(Event before, Event e) {}

                @Override
                public void onDelete(Event e, boolean unknown) {}
            });
        }
        if (options.recipe() != null) {
            try {
                recipe = new SqlRecipeDemo();
                view.say(recipe.start(5) + "; the leader of group " + recipe.group() + " works them off");
            } catch (RuntimeException e) {
                view.say("cannot start the recipe's server: " + e.getMessage());
                exitCode = 1;
                shutdown();
                return exitCode;
            }
            scheduler.scheduleAtFixedRate(() -> view.say(recipe.status()), 5, 5, TimeUnit.SECONDS);
        }
        try {
            for (int i = 0; i < options.replicas(); i++) {
                startReplica();
            }
        } catch (IOException e) {
            view.say("cannot start a replica: " + e.getMessage());
            exitCode = 1;
            shutdown();
            return exitCode;
        }
        if (options.durationSeconds() > 0) {
            scheduler.schedule(this::shutdownInBackground, options.durationSeconds(), TimeUnit.SECONDS);
        }
        if (options.killLeaderEvery() > 0) {
            scheduler.scheduleWithFixedDelay(
                    () -> faultLeader(true), options.killLeaderEvery(), options.killLeaderEvery(), TimeUnit.SECONDS);
        }
        if (options.stopLeaderEvery() > 0) {
            scheduler.scheduleWithFixedDelay(
                    () -> faultLeader(false), options.stopLeaderEvery(), options.stopLeaderEvery(), TimeUnit.SECONDS);
        }
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return exitCode;
    }

    private void startReplica() throws IOException {
        String name = "replica-" + nextIndex.getAndIncrement();
        List<String> settings = new ArrayList<>(List.of(
                "-Dk8sensus.kubernetes.call-timeout-ms=" + Math.max(400, options.renewMs() / 2),
                "-Dk8sensus.heartbeat.period-ms=1000"));
        if (options.routesDir() != null) {
            settings.add("-Dk8sensus.routes.dir=" + options.routesDir().toAbsolutePath());
            // edit a file, and every replica runs the new version within a second, without a restart
            settings.add("-Dk8sensus.routes.reload=true");
        }
        if (recipe != null) {
            settings.addAll(List.of(
                    "-Dk8sensus.routes.dir=" + recipe.routes().toAbsolutePath(),
                    "-Dk8sensus.election.groups=heartbeat," + recipe.group()));
        }
        int port = options.metrics() ? EmbeddedKubernetesApi.freePort() : -1;
        if (options.metrics()) {
            settings.addAll(List.of("-Dcamel.management.enabled=true", "-Dcamel.management.port=" + port));
        }
        ReplicaProcess replica = cluster.start(
                name,
                (n, url, environment, onLine) -> ReplicaProcess.start(
                        n,
                        options.jar(),
                        List.of(),
                        options.leaseMs(),
                        options.renewMs(),
                        options.retryMs(),
                        url,
                        NAMESPACE,
                        settings,
                        environment,
                        onLine),
                api.url(),
                recipe == null ? Map.of() : recipe.environment(),
                view::onLine);
        if (options.metrics()) {
            view.say(name + " metrics: http://127.0.0.1:" + port + "/observe/metrics (probes: /observe/health/live,"
                    + " /observe/health/ready)");
        }
        view.say("started " + name + " (pid " + replica.pid() + "), its Pod is Running and Ready");
        replica.process().onExit().thenRun(() -> onExit(replica));
    }

    /** The kubelet's part: the Pod goes with its process. An exit nobody asked for ends the run. */
    private void onExit(ReplicaProcess replica) {
        int code = replica.process().exitValue();
        if (stopping.get()) {
            return;
        }
        cluster.deletePod(replica.name());
        view.say(replica.name() + " exited (code " + code + "); its Pod is deleted");
        if (!expectedExits.remove(replica.name())) {
            view.say(replica.name() + " stopped by itself: see its lines above; stopping everything");
            exitCode = 1;
            shutdownInBackground();
        }
    }

    private void faultLeader(boolean kill) {
        Optional<ReplicaProcess> leader = currentLeader();
        if (leader.isEmpty()) {
            view.say("no leader right now: fault skipped");
            return;
        }
        ReplicaProcess replica = leader.get();
        expectedExits.add(replica.name());
        view.faultInjected(replica.name(), kill ? "killed (kill -9)" : "stopped (SIGTERM)");
        if (kill) {
            view.say("kill -9 " + replica.name() + " (the leader, pid " + replica.pid() + ")");
            replica.kill();
        } else {
            view.say("SIGTERM " + replica.name() + " (the leader, pid " + replica.pid() + ")");
            replica.stop(GRACE_SECONDS);
        }
        try {
            replica.process().onExit().get(GRACE_SECONDS + 5, TimeUnit.SECONDS);
            startReplica();
        } catch (Exception e) {
            view.say("could not replace " + replica.name() + ": " + e.getMessage());
        }
    }

    /** The replica that holds the first Lease (the recipe's group's, else the shipped heartbeat group's). */
    private Optional<ReplicaProcess> currentLeader() {
        List<Lease> leases = api.client().leases().inNamespace(NAMESPACE).list().getItems();
        String first = "-" + (recipe == null ? "heartbeat" : recipe.group());
        return leases.stream()
                .sorted((a, b) -> Boolean.compare(
                        !a.getMetadata().getName().endsWith(first),
                        !b.getMetadata().getName().endsWith(first)))
                .map(l -> LeaseHolder.of(l).holder())
                .map(cluster::replica)
                .filter(r -> r != null && r.isAlive())
                .findFirst();
    }

    /** Stops from a thread of its own, so that the scheduler that asked for it can be stopped too. */
    private void shutdownInBackground() {
        new Thread(this::shutdown, "shutdown").start();
    }

    private void shutdown() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        try {
            view.say("stopping " + cluster.alive().size() + " replicas and the API");
            scheduler.shutdownNow();
            cluster.stopAll();
            view.stop();
            cluster.close();
            if (recipe != null) {
                view.say(recipe.status() + " (waiting jobs stay in the table: none is lost)");
                recipe.close();
            }
            List<Double> takeovers = view.takeovers();
            view.say("stopped"
                    + (takeovers.isEmpty()
                            ? ""
                            : "; takeover times (s): "
                                    + takeovers.stream()
                                            .map(t -> String.format("%.1f", t))
                                            .toList()));
        } finally {
            done.countDown();
        }
    }
}
