package io.k8sensus.elector;

/**
 * A request the elector asks its driver to make to the API server, one at a time. Every write names the version it
 * was decided on, so that it fails (HTTP 409) if anyone wrote the Lease since; only {@link Create} needs none, because
 * it fails if the Lease exists.
 */
public sealed interface LeaseRequest {

    /** Read the Lease. */
    record Read() implements LeaseRequest {
    }

    /** Create the Lease, held by {@code holder} in a new term of {@code epoch}. */
    record Create(String holder, long epoch, int leaseDurationSeconds) implements LeaseRequest {
    }

    /**
     * Re-create a deleted Lease as {@code last} says: its holder, epoch, acquire time (now if it has none) and lease
     * duration, with the renew time set to now, so that everyone sees a new record and waits a full lease duration
     * from it.
     */
    record Restore(LeaseRecord last) implements LeaseRequest {
    }

    /**
     * Raise the epoch of {@code lease} (its last record) to {@code epoch}: the Lease shows an epoch below one this
     * replica has seen (it was deleted and re-created by someone who knew less, or restored from a backup). Nothing
     * else changes, unless {@code placeholder} is set: a Lease that looks free while the term it replaced may still act
     * is written held by that name, which no replica has, with renew and acquire time now and
     * {@code leaseDurationSeconds}, so that everyone waits a lease duration instead of taking it.
     */
    record RaiseEpoch(LeaseRecord lease, long epoch, String placeholder, int leaseDurationSeconds)
            implements LeaseRequest {

        /** Only the epoch. */
        public RaiseEpoch(LeaseRecord lease, long epoch) {
            this(lease, epoch, null, 0);
        }
    }

    /** Take the Lease of version {@code baseVersion} for a new term of {@code epoch} (acquire and renew time: now). */
    record Acquire(String baseVersion, String holder, long epoch, int leaseDurationSeconds) implements LeaseRequest {
    }

    /**
     * Renew the term {@code term} (its last record, with this replica's own lease duration): writes the whole record of
     * the term, its holder, epoch, acquire time and lease duration as {@code term} has them, and the renew time now.
     */
    record Renew(LeaseRecord term) implements LeaseRequest {
    }

    /** Clear the holder of the term {@code term} (its last record), keeping the epoch. */
    record Release(LeaseRecord term) implements LeaseRequest {
    }

    /** Whether this request writes the Lease. */
    default boolean writes() {
        return !(this instanceof Read);
    }
}
