package io.k8sensus.kube;

import io.k8sensus.log.KeyValueLog;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clears the holder of a Lease that this replica holds, so that a follower takes it "with immediate effect" at its
 * next poll instead of waiting for the Pod to leave and then for a full lease duration. The update carries the
 * Lease's resourceVersion: if anyone wrote the Lease in between, it fails with 409 and is retried from a fresh read, so
 * a Lease that has meanwhile passed to another holder is never cleared.
 * <p>
 * Camel's cluster service does not release on stop; the view calls this after its leader-only routes have stopped.
 */
public final class LeaseRelease {


    private static final Logger LOG = LoggerFactory.getLogger("k8sensus.election");
    private static final int ATTEMPTS = 3;

    private LeaseRelease() {
    }

    public static void release(KubernetesClient client, String namespace, String leaseName, String group, String podName) {
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                Lease lease = client.leases().inNamespace(namespace).withName(leaseName).get();
                if (lease == null || lease.getSpec() == null || !podName.equals(lease.getSpec().getHolderIdentity())) {
                    return;
                }
                Integer epoch = lease.getSpec().getLeaseTransitions();
                Lease released = new LeaseBuilder(lease).editSpec()
                        .withHolderIdentity(null)
                        .withAcquireTime(null)
                        .withRenewTime(null)
                        .withLeaseDurationSeconds(null)
                        .endSpec()
                        .build();
                client.leases().inNamespace(namespace).resource(released)
                        .lockResourceVersion(lease.getMetadata().getResourceVersion()).update();
                KeyValueLog.info(LOG, "event=released group={} pod={} epoch={} lease={}", group, podName, epoch == null ? 0 : epoch,
                        leaseName);
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == ATTEMPTS) {
                    KeyValueLog.warn(LOG, "event=release-failed group={} pod={} lease={} reason=\"{}\": a follower takes over once"
                             + " the lease expires", group, podName, leaseName, RootCause.describe(e));
                    return;
                }
            }
        }
    }
}
