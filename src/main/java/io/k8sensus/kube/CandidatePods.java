package io.k8sensus.kube;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.readiness.Readiness;
import io.fabric8.kubernetes.client.utils.PodStatusUtil;
import io.k8sensus.elector.Clock;

/**
 * The Pods that may lead: those with the candidate labels that are Running and Ready (Camel's rule). One per replica,
 * shared by every group.
 * <p>
 * Membership is read from a watch (a fabric8 informer: one list, then one long-lived watch), so a replica costs the
 * API server no request per poll. While the watch is down (API unreachable, reconnecting) the Pods are listed on every
 * call instead, as a replica without the watch would do, so a stale cache never decides who may lead.
 */
public final class CandidatePods implements AutoCloseable {

    private final KubernetesClient watchClient;
    private final KubernetesClient client;
    private final String namespace;
    private final Map<String, String> labels;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final WatchHealth health;
    private final ApiConnectivityLog connectivity;
    private final Clock clock;
    private final long retryPeriodNanos;
    private final long checkEveryNanos;
    private SharedIndexInformer<Pod> informer;

    /**
     * Watches through {@code watchClient}; lists through {@code client}, the election's, while the watch is down.
     * Times are read from {@code clock}: {@code retryPeriodMs} is the election's retry period, {@code checkEveryMs}
     * how often a watch that is up is checked against a list.
     */
    public CandidatePods(KubernetesClient watchClient, KubernetesClient client, String namespace, Map<String, String> labels,
                  String podName, ApiConnectivityLog connectivity, Clock clock, long retryPeriodMs, long checkEveryMs) {
        this.clock = clock;
        this.retryPeriodNanos = TimeUnit.MILLISECONDS.toNanos(retryPeriodMs);
        this.checkEveryNanos = TimeUnit.MILLISECONDS.toNanos(checkEveryMs);
        this.watchClient = watchClient;
        this.client = client;
        this.namespace = namespace;
        this.labels = labels;
        this.health = new WatchHealth(podName, "candidate Pods");
        this.connectivity = connectivity;
    }

    public void start() {
        informer = watchClient.pods().inNamespace(namespace).withLabels(labels).runnableInformer(0);
        informer.exceptionHandler(health);
        informer.addEventHandler(new ResourceEventHandler<Pod>() {
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
        informer.start();
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
        return informer != null && informer.isWatching();
    }

    /** The names of the candidates now: from the watch, or listed when the watch is down (throws if that fails). */
    public Set<String> names() {
        boolean watching = informer != null && informer.isWatching();
        health.watching(watching);
        Collection<Pod> pods = watching ? informer.getStore().list()
                : client.pods().inNamespace(namespace).withLabels(labels).list().getItems();
        return pods.stream().filter(CandidatePods::isCandidate).map(p -> p.getMetadata().getName())
                .collect(Collectors.toSet());
    }

    /** Why {@code podName} is not a candidate, in words that say what to check. */
    public String whyNot(String podName) {
        Collection<Pod> pods;
        try {
            boolean watching = informer != null && informer.isWatching();
            pods = watching ? informer.getStore().list()
                    : client.pods().inNamespace(namespace).withLabels(labels).list().getItems();
        } catch (RuntimeException e) {
            return "the candidate Pods cannot be listed: " + io.k8sensus.kube.RootCause.describe(e);
        }
        return pods.stream().filter(p -> podName.equals(p.getMetadata().getName())).findFirst()
                .map(p -> !PodStatusUtil.isRunning(p) ? "Pod " + podName + " is not Running"
                        : !Readiness.isPodReady(p) ? "Pod " + podName + " is not Ready" : "Pod " + podName + " is Ready now")
                .orElse("no Pod named " + podName + " with labels " + labelText() + " in namespace " + namespace
                        + " (check k8sensus.election.pod-name, k8sensus.election.candidate-labels and the namespace)");
    }

    private String labelText() {
        return labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.stop();
        }
    }

    private void changed() {
        listeners.forEach(Runnable::run);
    }

    private static boolean isCandidate(Pod pod) {
        return PodStatusUtil.isRunning(pod) && Readiness.isPodReady(pod);
    }
}
