package io.k8sensus.tools;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;

/**
 * Who holds a Lease and its epoch (the Lease's {@code leaseTransitions}), as the tools and tests read it from the
 * API: the one place that reads them, so that "no holder" means the same everywhere (no Lease, no spec, or an empty
 * holder).
 *
 * @param holder the holder's identity (its Pod's name); null when nobody holds the Lease
 * @param epoch  the term's number; 0 when the Lease has none
 */
public record LeaseHolder(String holder, long epoch) {

    public static final LeaseHolder NONE = new LeaseHolder(null, 0);

    public static LeaseHolder of(Lease lease) {
        if (lease == null || lease.getSpec() == null) {
            return NONE;
        }
        String holder = lease.getSpec().getHolderIdentity();
        Integer transitions = lease.getSpec().getLeaseTransitions();
        return new LeaseHolder(
                holder == null || holder.isEmpty() ? null : holder, transitions == null ? 0 : transitions);
    }

    public boolean held() {
        return holder != null;
    }
}
