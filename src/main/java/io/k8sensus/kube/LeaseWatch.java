package io.k8sensus.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.function.Consumer;

/**
 * One group's Lease as a fabric8 informer delivers it: a watch on that one name (a {@code metadata.name} field
 * selector, which RBAC authorizes against the Role's resourceNames), so following costs the API server one watch
 * instead of a read per poll, and a change (a renewal, a release, a deletion) reaches the elector at once. While the
 * watch is down ({@link #watching()} false) the elector reads instead.
 */
public final class LeaseWatch implements AutoCloseable {

    private final KubernetesClient watchClient;
    private final String namespace;
    private final String name;
    private final Consumer<Lease> onChange;
    private final WatchHealth health;
    private final ApiConnectivityLog connectivity;
    private SharedIndexInformer<Lease> informer;

    /** {@code onChange} receives the Lease as it is now, or null when it was deleted. */
    public LeaseWatch(
            KubernetesClient watchClient,
            String namespace,
            String name,
            String podName,
            ApiConnectivityLog connectivity,
            Consumer<Lease> onChange) {
        this.watchClient = watchClient;
        this.namespace = namespace;
        this.name = name;
        this.onChange = onChange;
        this.health = new WatchHealth(podName, "Lease " + name);
        this.connectivity = connectivity;
    }

    public void start() {
        informer = watchClient.leases().inNamespace(namespace).withName(name).runnableInformer(0);
        informer.exceptionHandler(health);
        informer.addEventHandler(new ResourceEventHandler<Lease>() {
            @Override
            public void onAdd(Lease lease) {
                connectivity.answered();
                onChange.accept(lease);
            }

            @Override
            public void onUpdate(Lease before, Lease after) {
                connectivity.answered();
                onChange.accept(after);
            }

            @Override
            public void onDelete(Lease lease, boolean finalStateUnknown) {
                connectivity.answered();
                onChange.accept(null);
            }
        });
        informer.start();
    }

    /** Whether the watch is up; says once when a refused watch is back. */
    public boolean watching() {
        boolean watching;
        try {
            watching = informer != null && informer.isWatching();
        } catch (NullPointerException e) {
            watching = false; // fabric8's reflector, stopped meanwhile (a shutdown), has no watch left to ask
        }
        health.watching(watching);
        return watching;
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.stop();
        }
    }
}
