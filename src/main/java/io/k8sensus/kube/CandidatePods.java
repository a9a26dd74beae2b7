package io.k8sensus.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.readiness.Readiness;
import io.fabric8.kubernetes.client.utils.PodStatusUtil;
import io.k8sensus.elector.Clock;
import io.k8sensus.log.KeyValueLog;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Pods that may lead: those with the candidate labels that are Running and Ready (Camel's rule). One per replica,
 * shared by every group.
 * <p>
 * Membership is read from a watch (a fabric8 informer: one list, then one long-lived watch), so a replica costs the
 * API server no request per poll. Two holes are closed around it:
 * <ul>
 * <li>A watch can look up and deliver nothing (a connection that passes no more data, an API server that lost the
 * watch). So the watch's view is checked against a list at least once every {@code checkEvery} (the election uses the
 * lease duration); when they differ the list wins, the watch starts over from a fresh list, and
 * {@code event=pod-watch-stale} says so. fabric8 has nothing for this: a resync period
 * ({@code runnableInformer(resync)}) re-delivers the informer's own cache as updates
 * ({@code ProcessorStore.resync()} in 7.5.2) and lists nothing; the informer lists again only at start, after a failed
 * watch or an HTTP 410, and its own watch timeout (5 to 10 minutes) resumes from the last resourceVersion without a
 * list. A stopped informer cannot be started again, so starting over is a new informer.</li>
 * <li>While the watch is down (API unreachable, reconnecting) the Pods are listed instead, at most once per retry
 * period for all the groups of the replica, however often their loops turn: one list and when it was made, shared.
 * A list older than a retry period never decides who may lead, and a failed one is not tried again within it.</li>
 * </ul>
 * Time is read from the clock given, so the tests move it.
 */
public final class CandidatePods implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("k8sensus.watch");

    private final KubernetesClient watchClient;
    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, String> labels;
    private final String podName;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final WatchHealth health;
    private final ApiConnectivityLog connectivity;
    private final Clock clock;
    private final long retryPeriodNanos;
    private final long checkEveryNanos;
    private volatile SharedIndexInformer<Pod> informer;

    /** Guards what follows: the last list of this class and when the watch's view was last checked. */
    private final Object lock = new Object();

    private boolean listTried;
    /** When the last list was tried, on {@link #clock}. */
    private long listTriedAt;
    /** What it returned, or null if it failed. */
    private List<Pod> listed;

    private RuntimeException listFailure;
    /** When the watch's view was last known to agree with the API server: started, or a list made. */
    private long checkedAt;

    private boolean closed;

    /**
     * Watches through {@code watchClient}; lists through {@code client}, the election's, while the watch is down and to
     * check it. Times are read from {@code clock}: {@code retryPeriodMs} is the election's retry period,
     * {@code checkEveryMs} how often a watch that is up is checked against a list.
     */
    public CandidatePods(
            KubernetesClient watchClient,
            KubernetesClient client,
            String namespace,
            Map<String, String> labels,
            String podName,
            ApiConnectivityLog connectivity,
            Clock clock,
            long retryPeriodMs,
            long checkEveryMs) {
        this.clock = clock;
        this.retryPeriodNanos = TimeUnit.MILLISECONDS.toNanos(retryPeriodMs);
        this.checkEveryNanos = TimeUnit.MILLISECONDS.toNanos(checkEveryMs);
        this.watchClient = watchClient;
        this.client = client;
        this.namespace = namespace;
        this.labels = labels;
        this.podName = podName;
        this.health = new WatchHealth(podName, "candidate Pods");
        this.connectivity = connectivity;
    }

    public void start() {
        synchronized (lock) {
            checkedAt = clock.nanos();
        }
        informer = startInformer();
    }

    private SharedIndexInformer<Pod> startInformer() {
        SharedIndexInformer<Pod> started =
                watchClient.pods().inNamespace(namespace).withLabels(labels).runnableInformer(0);
        started.exceptionHandler(health);
        started.addEventHandler(new ResourceEventHandler<Pod>() {
            @Override
            public void onAdd(Pod pod) {
                connectivity.answered();
                changed();
            }

            @Override
            public void onUpdate(Pod before, Pod after) {
                connectivity.answered();
                if (isCandidate(before) != isCandidate(after)) {
                    changed();
                }
            }

            @Override
            public void onDelete(Pod pod, boolean finalStateUnknown) {
                connectivity.answered();
                changed();
            }
        });
        started.start();
        return started;
    }

    /** Called (on the informer's thread) when a Pod becomes or stops being a candidate. */
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    public void removeListener(Runnable listener) {
        listeners.remove(listener);
    }

    /** Whether the watch is up (it may still be silent). */
    public boolean watching() {
        SharedIndexInformer<Pod> current = informer;
        return current != null && current.isWatching();
    }

    /**
     * The names of the candidates now: from the watch, or from a list when the watch is down or due its check (throws if
     * that list failed, now or earlier in the same retry period).
     */
    public Set<String> names() {
        return names(pods());
    }

    private static Set<String> names(Collection<Pod> pods) {
        return pods.stream()
                .filter(CandidatePods::isCandidate)
                .map(p -> p.getMetadata().getName())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The Pods now, as {@link #names()} decides where to read them. */
    private Collection<Pod> pods() {
        synchronized (lock) {
            long now = clock.nanos();
            SharedIndexInformer<Pod> watched = informer;
            boolean watching = watched != null && watched.isWatching();
            health.watching(watching);
            if (watching && now - checkedAt < checkEveryNanos) {
                return watched.getStore().list();
            }
            if (listTried && now - listTriedAt < retryPeriodNanos) {
                if (listFailure != null) {
                    throw listFailure;
                }
                return listed;
            }
            listTried = true;
            listTriedAt = now;
            try {
                listed = client.pods()
                        .inNamespace(namespace)
                        .withLabels(labels)
                        .list()
                        .getItems();
                listFailure = null;
            } catch (RuntimeException e) {
                listed = null;
                listFailure = e;
                throw e;
            }
            checkedAt = now;
            if (watching) {
                check(watched);
            }
            return listed;
        }
    }

    /** Compares the watch's view with the list just made; when they differ, the list wins and the watch starts over. */
    private void check(SharedIndexInformer<Pod> watched) {
        Set<String> fromWatch = names(watched.getStore().list());
        Set<String> fromList = names(listed);
        if (fromWatch.equals(fromList)) {
            return;
        }
        KeyValueLog.warn(
                LOG,
                "event=pod-watch-stale pod={} watched=\"{}\" listed=\"{}\": the watch of the candidate Pods"
                        + " missed a change; the list wins and the watch starts over",
                podName,
                String.join(",", fromWatch),
                String.join(",", fromList));
        watched.stop();
        if (!closed) {
            informer = startInformer();
        }
    }

    /** Why {@code podName} is not a candidate, in words that say what to check. */
    public String whyNot(String podName) {
        Collection<Pod> pods;
        try {
            pods = pods();
        } catch (RuntimeException e) {
            return "the candidate Pods cannot be listed: " + RootCause.describe(e);
        }
        return pods.stream()
                .filter(p -> podName.equals(p.getMetadata().getName()))
                .findFirst()
                .map(p -> !PodStatusUtil.isRunning(p)
                        ? "Pod " + podName + " is not Running"
                        : !Readiness.isPodReady(p)
                                ? "Pod " + podName + " is not Ready"
                                : "Pod " + podName + " is Ready now")
                .orElse("no Pod named " + podName + " with labels " + labelText() + " in namespace " + namespace
                        + " (check k8sensus.election.pod-name, k8sensus.election.candidate-labels and the namespace)");
    }

    /** What makes a Pod a candidate, in words: its labels, Running and Ready, and the namespace. */
    public String describe() {
        return "Running and Ready Pods with labels " + labelText() + " in namespace " + namespace;
    }

    private String labelText() {
        return labels.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        synchronized (lock) { // not while a check starts the watch over
            closed = true;
            SharedIndexInformer<Pod> current = informer;
            if (current != null) {
                current.stop();
            }
        }
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }

    private static boolean isCandidate(Pod pod) {
        return PodStatusUtil.isRunning(pod) && Readiness.isPodReady(pod);
    }
}
