package io.k8sensus.elector;

/**
 * A request the elector asks its driver to make to the API server. Every write but a renewal names the version it was
 * decided on, so that it fails (HTTP 409) if anyone wrote the Lease since; {@link Create} and {@link Restore} need
 * none, because they fail if the Lease exists. A {@link Renew} is conditioned on the term instead, so renewals need not
 * wait for each other: a driver may have several out at once, besides at most one other request.
 */
public sealed interface LeaseRequest {

    /** Read the Lease. */
    record Read() implements LeaseRequest {}

    /** Create the Lease, held by {@code holder} in a new term of {@code epoch}. */
    record Create(String holder, long epoch, int leaseDurationSeconds) implements LeaseRequest {}

    /**
     * Re-create a deleted Lease as {@code last} says: its holder, epoch, acquire time (now if it has none) and lease
     * duration, with the renew time set to now, so that everyone sees a new record and waits a full lease duration
     * from it.
     */
    record Restore(LeaseRecord last) implements LeaseRequest {}

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
    record Acquire(String baseVersion, String holder, long epoch, int leaseDurationSeconds) implements LeaseRequest {}

    /**
     * Renew the term {@code term} (its last acknowledged record, with this replica's own lease duration): applied only
     * if the Lease still holds the term, that is its holder, epoch ({@code spec.leaseTransitions}) and acquire time
     * equal {@code term}'s, whatever its version; then it writes the renew time now (distinct from every earlier one)
     * and {@code term}'s lease duration, so that the Lease holds the whole record of the term. The check and the write
     * are one atomic step (a JSON Patch whose {@code test} operations come first); {@code term.version()} is not
     * checked. Answers: {@link Answer.Ok} with the Lease as written; {@link Answer.TermLost} (HTTP 422) when the Lease
     * holds another term or none, writing nothing; {@link Answer.NotFound} when there is no Lease.
     */
    record Renew(LeaseRecord term) implements LeaseRequest {}

    /**
     * Clear the holder of the term {@code term} (its last record), keeping the epoch: conditioned on the term (holder,
     * epoch, acquire time), not on the resourceVersion, as a renewal. Answers: {@link Answer.Ok}; {@link
     * Answer.TermLost} when the Lease holds another term (nothing written); {@link Answer.NotFound}.
     */
    record Release(LeaseRecord term) implements LeaseRequest {}

    /** Whether this request writes the Lease. */
    default boolean writes() {
        return !(this instanceof Read);
    }
}
