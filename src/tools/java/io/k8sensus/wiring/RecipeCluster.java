package io.k8sensus.wiring;

import io.k8sensus.launcher.ReplicaCluster;
import io.k8sensus.launcher.ReplicaProcess;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;

/**
 * Replicas of the real jar running one recipe: an embedded Kubernetes API with one Ready Pod per live replica (the
 * kubelet's part: a Pod is deleted when its process exits), the recipe's route directory, its group added to the
 * election groups, short timings, and the recipe's settings as environment variables (as a Deployment passes them
 * from a Secret). The faults: kill -9, SIGTERM, SIGSTOP / SIGCONT. Every output line is kept and written to a log
 * file under target/wiring/.
 */
public final class RecipeCluster extends ReplicaCluster {

    /** Lease duration, renew deadline and retry period of the recipes' tests, in milliseconds. */
    public static final long LEASE_MS = 3000;

    public static final long RENEW_MS = 2000;
    public static final long RETRY_MS = 500;

    public record Line(String replica, long nanos, String text) {}

    private final String group;
    private final Map<String, String> environment;
    private final Launcher launcher;
    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final AtomicInteger started = new AtomicInteger();
    private final PrintWriter log;

    /**
     * @param name        the run's name (its log file: target/wiring/name.log)
     * @param group       the recipe's election group
     * @param routes      the recipe's directory of *.camel.yaml files
     * @param environment the recipe's settings, as environment variables
     * @param settings    more JVM arguments (-Dkey=value)
     */
    public RecipeCluster(
            String name, String group, Path routes, Map<String, String> environment, List<String> settings) {
        super(new EmbeddedKubernetesApi(), EmbeddedKubernetesApi.NAMESPACE, 0);
        this.group = group;
        this.environment = Map.copyOf(environment);
        List<String> args = new ArrayList<>(List.of(
                "-Dk8sensus.routes.dir=" + routes.toAbsolutePath(),
                "-Dk8sensus.election.groups=heartbeat," + group,
                "-Dk8sensus.kubernetes.call-timeout-ms=" + RENEW_MS / 2,
                "-Dk8sensus.heartbeat.period-ms=1000"));
        args.addAll(settings);
        this.launcher = (replica, apiUrl, env, onLine) -> ReplicaProcess.start(
                replica,
                Path.of("target", "k8sensus.jar"),
                List.of(),
                LEASE_MS,
                RENEW_MS,
                RETRY_MS,
                apiUrl,
                EmbeddedKubernetesApi.NAMESPACE,
                args,
                env,
                onLine);
        try {
            Path dir = Files.createDirectories(Path.of("target", "wiring"));
            log = new PrintWriter(Files.newBufferedWriter(dir.resolve(name + ".log")), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String leaseName() {
        return "k8sensus-" + group;
    }

    /** Starts a new replica (replica-1, replica-2, ...) with a Ready Pod of its own; returns its name. */
    public synchronized String startReplica() {
        String name = "replica-" + started.incrementAndGet();
        try {
            ReplicaProcess replica = start(name, launcher, api.url(), environment, this::onLine);
            replica.process().onExit().thenRun(() -> {
                onLine(name, "[test] exited with " + replica.process().exitValue() + "; its Pod is deleted");
                deletePod(name);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return name;
    }

    public void start(int count) {
        for (int i = 0; i < count; i++) {
            startReplica();
        }
    }

    /** The holder of the recipe's Lease, if it is a live replica of this cluster. */
    public String leader() {
        return liveHolder(leaseName());
    }

    private String liveHolder(String lease) {
        String holder = api.holder(lease);
        ReplicaProcess replica = holder == null ? null : replica(holder);
        return replica != null && replica.isAlive() ? holder : null;
    }

    /**
     * Waits until the shipped heartbeat and the recipe's group are led by two different live replicas: the two
     * groups are spread (k8sensus.election.balance), so neither moves for balance any more.
     */
    public void awaitGroupsSpread() {
        Awaitility.await("the heartbeat and " + group + " led by two replicas")
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    String heartbeat = liveHolder("k8sensus-heartbeat");
                    String recipe = leader();
                    return recipe != null && heartbeat != null && !heartbeat.equals(recipe);
                });
    }

    public List<String> live() {
        return alive().stream().map(ReplicaProcess::name).toList();
    }

    /** kill -9, then a replacement starts, as a Deployment's controller would start one. */
    public String kill9AndReplace(String name) {
        onLine(name, "[test] kill -9");
        ReplicaProcess replica = replica(name);
        replica.kill();
        waitForExit(replica);
        return startReplica();
    }

    /** SIGTERM (a graceful stop: routes stop, the Lease is released), then a replacement starts. */
    public String stopAndReplace(String name) {
        onLine(name, "[test] SIGTERM");
        ReplicaProcess replica = replica(name);
        replica.stop(15);
        waitForExit(replica);
        return startReplica();
    }

    public void pause(String name) {
        onLine(name, "[test] SIGSTOP");
        signalOrFail(name, "STOP");
    }

    public void resume(String name) {
        onLine(name, "[test] SIGCONT");
        signalOrFail(name, "CONT");
    }

    private void signalOrFail(String name, String signal) {
        if (!signal(name, signal)) {
            throw new IllegalStateException("kill -" + signal + " " + name + " failed");
        }
    }

    private static void waitForExit(ReplicaProcess replica) {
        try {
            if (!replica.process().waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(replica.name() + " did not exit");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Every output line so far, oldest first. */
    public List<Line> lines() {
        return List.copyOf(lines);
    }

    /** The lines of one replica that contain {@code text}. */
    public List<Line> lines(String replica, String text) {
        return lines.stream()
                .filter(l -> l.replica().equals(replica) && l.text().contains(text))
                .toList();
    }

    /** The lines of every replica that contain {@code text}. */
    public List<Line> linesContaining(String text) {
        return lines.stream().filter(l -> l.text().contains(text)).toList();
    }

    public void note(String text) {
        onLine("test", text);
    }

    private void onLine(String replica, String text) {
        lines.add(new Line(replica, System.nanoTime(), text));
        log.println(LocalTime.now() + " [" + replica + "] " + text);
    }

    /** A generous bound for one takeover: the lease, the JVMs' start on a shared machine, and some. */
    public static Duration takeoverBound() {
        return Duration.ofSeconds(60);
    }

    @Override
    public synchronized void close() {
        super.close();
        log.close();
    }
}
