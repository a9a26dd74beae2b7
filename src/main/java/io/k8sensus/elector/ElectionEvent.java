package io.k8sensus.elector;

/**
 * Something the elector did or saw that an operator should read about; the driver turns each into one log line. The
 * changes of leader are not events: the driver reads them from {@link Elector#leader()} after every call.
 */
public sealed interface ElectionEvent {

    /** A renewal failed; the term goes on until its renew deadline, {@code leftMs} from now. */
    record RenewFailed(long epoch, String reason, long leftMs) implements ElectionEvent {}

    /**
     * No renewal succeeded for the renew deadline, and none that is still out can extend the term: this replica
     * stopped acting and gave the term up (it waits it out like a follower).
     */
    record RenewDeadline(long epoch, long renewDeadlineMs) implements ElectionEvent {}

    /**
     * The renew deadline passed while {@code renewalsOut} renewals were out: this replica stopped acting, but keeps the
     * term until they are answered. One acknowledged within the renew deadline of its send resumes it
     * ({@link TermResumed}); otherwise the term ends ({@link RenewDeadline}).
     */
    record TermSuspended(long epoch, long renewDeadlineMs, int renewalsOut) implements ElectionEvent {}

    /** A renewal sent before the suspension was acknowledged in time: the term acts again after {@code suspendedMs}. */
    record TermResumed(long epoch, long suspendedMs) implements ElectionEvent {}

    /**
     * The API server refused a renewal because the Lease no longer holds this term (HTTP 422 on the term's tests):
     * this replica stopped acting at once and reads who holds it.
     */
    record RenewRefused(long epoch) implements ElectionEvent {}

    /** Someone else's write ended this replica's term: another holder, another epoch, or no holder. */
    record LostLease(long epoch, String holder, long holderEpoch) implements ElectionEvent {}

    /** Someone deleted the Lease; the replicas that saw it restore it (see {@link LeaseRestored}). */
    record LeaseDeleted(String holder, long epoch) implements ElectionEvent {}

    /**
     * This replica re-created the deleted Lease as it last saw it (holder, epoch, acquire time), so that the term in
     * it runs on or expires as before and the epoch never goes down.
     */
    record LeaseRestored(String holder, long epoch) implements ElectionEvent {}

    /**
     * The Lease showed epoch {@code from}, below the {@code to} this replica has seen (re-created by someone who did not
     * know the old epoch): this replica wrote it back up, so that the next term's epoch is above every earlier one.
     */
    record EpochRaised(String holder, long from, long to) implements ElectionEvent {}

    /** This replica is not a candidate (its Pod is not Running and Ready with the labels): it will not lead. */
    record NotCandidate(boolean wasLeader) implements ElectionEvent {}

    /** This replica is a candidate again, after a {@link NotCandidate}. */
    record Candidate() implements ElectionEvent {}

    /** The holder has missed two renewals (confirmed by a read): the others take over in {@code takeoverInMs}. */
    /**
     * The Lease is renewed by {@code holder}, which is not among this replica's candidates: another application using
     * the same Lease name, or candidate labels that miss the holder's Pod. Said once per term.
     */
    record ForeignHolder(String holder, long epoch) implements ElectionEvent {}

    record HolderSilent(String holder, long epoch, long takeoverInMs) implements ElectionEvent {}

    /** An acquisition got no answer: it may have landed, but this replica does not act on a term it cannot see. */
    record AcquireUnknown(long epoch, String reason) implements ElectionEvent {}

    /**
     * The Lease was released (its holder cleared) at the end of this replica's term; {@code forBalance}: handed over
     * to spread the groups ({@link Elector#handOver}), not because this replica stops.
     */
    record Released(long epoch, boolean forBalance) implements ElectionEvent {}

    /** The release failed; a follower takes over once the lease has expired. */
    record ReleaseFailed(long epoch, String reason) implements ElectionEvent {}
}
