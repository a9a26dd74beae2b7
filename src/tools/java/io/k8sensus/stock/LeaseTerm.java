package io.k8sensus.stock;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.lock.impl.NativeLeaseResourceManager;

/**
 * Who acts and in which term, for the leader-only routes' log lines. Camel's controller numbers the terms (every
 * acquisition increments the Lease's {@code spec.leaseTransitions}) but does not tell its routes; so the epoch is read
 * from the Lease once per term, at its first action: a {@code master:} route's timer is a new consumer each time
 * leadership is taken, so its counter starts at 1 again. One GET per term, as the client-go contender reads the Lease
 * once when it starts leading. A replica that acts while the Lease names someone else has no term: its epoch is -1,
 * which the tools' checkers count as an action of an ended term.
 */
public final class LeaseTerm {

    private final KubernetesClient client;
    private final KubernetesClusterService service;
    private final Map<String, Long> epochs = new ConcurrentHashMap<>();

    public LeaseTerm(KubernetesClient client, KubernetesClusterService service) {
        this.client = client;
        this.service = service;
    }

    /**
     * The epoch of this replica's term in {@code group}: read from the Lease at the term's first action
     * ({@code counter} 1, the timer's {@code CamelTimerCounter}) and kept for its other actions; -1 if the Lease did
     * not name this replica then.
     */
    public long epoch(String group, long counter) throws UnknownHostException {
        Long known = epochs.get(group);
        if (counter > 1 && known != null) {
            return known;
        }
        epochs.remove(group); // a failed read leaves none: the next action reads again
        String namespace = service.getKubernetesResourcesNamespace() != null
                ? service.getKubernetesResourcesNamespace()
                : client.getNamespace();
        Lease lease = new NativeLeaseResourceManager()
                .fetchLeaseResource(client, namespace, service.getKubernetesResourceName(), group);
        boolean holder = lease != null
                && lease.getSpec() != null
                && identity().equals(lease.getSpec().getHolderIdentity());
        Integer transitions = holder ? lease.getSpec().getLeaseTransitions() : null;
        long epoch = !holder ? -1 : transitions == null ? 0 : transitions;
        epochs.put(group, epoch);
        return epoch;
    }

    /** This replica's identity in the Lease: the pod name set, else the host name, as Camel defaults to it. */
    public String identity() throws UnknownHostException {
        if (service.getPodName() != null) {
            return service.getPodName();
        }
        String host = System.getenv("HOSTNAME");
        return host != null ? host : InetAddress.getLocalHost().getHostName();
    }
}
