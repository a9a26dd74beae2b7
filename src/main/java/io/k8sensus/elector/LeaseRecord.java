package io.k8sensus.elector;

import java.util.Objects;

/**
 * A Lease as the elector reads it: the fields of its spec that the election uses, and the version the API server gave
 * it. The times are opaque to the elector (it compares them, never reads them as times: only its own clock counts).
 *
 * @param holder          {@code spec.holderIdentity}, or null when the Lease has no holder
 * @param epoch           {@code spec.leaseTransitions}: the term's epoch, incremented by every acquisition
 * @param acquireTime     {@code spec.acquireTime} as written by the holder: with the holder and the epoch, it names the term
 * @param renewTime       {@code spec.renewTime}: changes with every renewal
 * @param leaseDurationMs {@code spec.leaseDurationSeconds} in milliseconds, or 0 when it is not set
 * @param version         {@code metadata.resourceVersion}: what an optimistic write must name
 */
public record LeaseRecord(
        String holder, long epoch, String acquireTime, String renewTime, long leaseDurationMs, String version) {

    public LeaseRecord {
        holder = holder == null || holder.isEmpty() ? null : holder;
    }

    /**
     * Whether the spec is the same: the holder has not written since. A change of the metadata alone (an annotation,
     * a label) changes the version, not the spec, and must not look like a renewal.
     */
    public boolean sameSpec(LeaseRecord other) {
        return other != null
                && sameTerm(other)
                && Objects.equals(renewTime, other.renewTime)
                && leaseDurationMs == other.leaseDurationMs;
    }

    /** Whether both name the same term: the same holder, epoch and acquisition. */
    public boolean sameTerm(LeaseRecord other) {
        return other != null
                && Objects.equals(holder, other.holder)
                && epoch == other.epoch
                && Objects.equals(acquireTime, other.acquireTime);
    }

    /** A copy with another version: what a write that changes nothing in the spec would return. */
    public LeaseRecord withVersion(String newVersion) {
        return new LeaseRecord(holder, epoch, acquireTime, renewTime, leaseDurationMs, newVersion);
    }
}
