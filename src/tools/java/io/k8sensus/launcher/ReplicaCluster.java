package io.k8sensus.launcher;

import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Replica processes on one embedded Kubernetes API, each with a Pod of its own that the API shows Running and Ready:
 * what {@code make run}, chaos, bench and the recipes' workloads start. A {@link Launcher} starts each process; its
 * output lines go to a handler. {@link #close} resumes every paused process, stops them all (SIGTERM with a grace
 * period, or kill -9 with none) and the API.
 */
public class ReplicaCluster implements AutoCloseable {

    /** Starts one replica process pointed at an API URL. */
    @FunctionalInterface
    public interface Launcher {
        ReplicaProcess start(
                String name, String apiUrl, Map<String, String> environment, BiConsumer<String, String> onLine)
                throws IOException;
    }

    protected final EmbeddedKubernetesApi api;
    private final String namespace;
    private final long graceSeconds;
    private final Map<String, ReplicaProcess> replicas = new LinkedHashMap<>();

    /** Replicas in {@code namespace} of {@code api}, stopped on {@link #close} with {@code graceSeconds} (0: kill -9). */
    public ReplicaCluster(EmbeddedKubernetesApi api, String namespace, long graceSeconds) {
        this.api = api;
        this.namespace = namespace;
        this.graceSeconds = graceSeconds;
    }

    public EmbeddedKubernetesApi api() {
        return api;
    }

    /** Starts a replica through {@code apiUrl}, with a Ready Pod added first if it has none (a restart keeps its Pod). */
    public ReplicaProcess start(
            String name,
            Launcher launcher,
            String apiUrl,
            Map<String, String> environment,
            BiConsumer<String, String> onLine)
            throws IOException {
        if (api.client().pods().inNamespace(namespace).withName(name).get() == null) {
            api.addReadyPod(name, namespace);
        }
        ReplicaProcess replica = launcher.start(name, apiUrl, environment, onLine);
        synchronized (replicas) {
            replicas.put(name, replica);
        }
        return replica;
    }

    /** The kubelet's part once a process has exited: its Pod is deleted (unless the API is stopping already). */
    public void deletePod(String name) {
        try {
            api.deletePod(name, namespace);
        } catch (RuntimeException e) {
            // the API is stopping
        }
    }

    public ReplicaProcess replica(String name) {
        synchronized (replicas) {
            return replicas.get(name);
        }
    }

    /** Every process started so far (the last under each name), oldest first. */
    public List<ReplicaProcess> replicas() {
        synchronized (replicas) {
            return List.copyOf(replicas.values());
        }
    }

    /** The processes still running, oldest first. */
    public List<ReplicaProcess> alive() {
        return replicas().stream().filter(ReplicaProcess::isAlive).toList();
    }

    /** {@code kill -SIGNAL} to a replica's process; whether it was delivered. */
    public boolean signal(String name, String signal) {
        return replica(name).signal(signal);
    }

    /** kill -SIGNAL (TERM: a graceful stop, KILL: a crash), then waits for the process to exit. */
    public void stop(String name, String signal) throws Exception {
        signal(name, signal);
        awaitExit(name);
    }

    public void awaitExit(String name) throws Exception {
        awaitExit(name, 30);
    }

    /** Waits for the process to exit, at most {@code seconds}. */
    public void awaitExit(String name, long seconds) throws Exception {
        replica(name).process().onExit().get(seconds, TimeUnit.SECONDS);
    }

    /** Stops every process at once (resumed first, should it be paused) and waits for them. */
    public void stopAll() {
        List<Thread> stoppers = new ArrayList<>();
        for (ReplicaProcess replica : alive()) {
            Thread stopper = new Thread(
                    () -> {
                        replica.signal("CONT");
                        if (graceSeconds > 0) {
                            replica.stop(graceSeconds);
                        } else {
                            replica.kill();
                            replica.process().onExit().join();
                        }
                    },
                    "stop-" + replica.name());
            stopper.start();
            stoppers.add(stopper);
        }
        for (Thread stopper : stoppers) {
            try {
                stopper.join(TimeUnit.SECONDS.toMillis(graceSeconds + 10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        stopAll();
        api.close();
    }
}
