package io.k8sensus.election;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;

/**
 * One group's Lease as followers see it: a fabric8 informer on that one name (a {@code metadata.name} field selector,
 * which RBAC authorizes against the Role's resourceNames), so following costs the API server one watch instead of a
 * read per poll, and a change (a renewal, a release) reaches the followers at once.
 * <p>
 * While the watch is down the Lease is read on every call instead. A watch may lag, so whoever is about to write
 * reads the Lease first ({@link #read()}); the write itself is guarded by the resourceVersion it read.
 */
final class LeaseWatch implements AutoCloseable {

    private final KubernetesClient watchClient;
    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final Runnable onChange;
    private final WatchHealth health;
    private final ApiConnectivityLog connectivity;
    private SharedIndexInformer<Lease> informer;

    LeaseWatch(KubernetesClient watchClient, KubernetesClient client, String namespace, String name, String podName,
               ApiConnectivityLog connectivity, Runnable onChange) {
        this.watchClient = watchClient;
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.onChange = onChange;
        this.health = new WatchHealth(podName, "Lease " + name);
        this.connectivity = connectivity;
    }

    void start() {
        informer = watchClient.leases().inNamespace(namespace).withName(name).runnableInformer(0);
        informer.exceptionHandler(health);
        informer.addEventHandler(new ResourceEventHandler<Lease>() {
            @Override
            public void onAdd(Lease lease) {
                connectivity.answered();
                onChange.run();
            }

            @Override
            public void onUpdate(Lease before, Lease after) {
                connectivity.answered();
                onChange.run();
            }

            @Override
            public void onDelete(Lease lease, boolean finalStateUnknown) {
                connectivity.answered();
                onChange.run();
            }
        });
        informer.start();
    }

    /** The Lease as last delivered by the watch, or read now while the watch is down; null if there is none. */
    Lease current() {
        boolean watching = informer != null && informer.isWatching();
        health.watching(watching);
        if (watching) {
            return informer.getStore().list().stream().findFirst().orElse(null);
        }
        return read();
    }

    /** The Lease read from the API server now; null if there is none. */
    Lease read() {
        return client.leases().inNamespace(namespace).withName(name).get();
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.stop();
        }
    }
}
