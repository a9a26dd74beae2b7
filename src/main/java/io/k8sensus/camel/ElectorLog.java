package io.k8sensus.camel;

import io.k8sensus.elector.ElectionEvent;
import io.k8sensus.log.KeyValueLog;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the elector's events of one group as the {@code key=value} lines of logger {@code k8sensus.election}, the
 * same keys as the election log policy's ({@code event}, {@code group}, {@code pod}, ...).
 */
final class ElectorLog {

    private static final Logger LOG = LoggerFactory.getLogger("k8sensus.election");

    private final String group;
    private final String lease;
    private final String pod;
    private final Supplier<String> whyNotCandidate;
    private final Supplier<String> candidatesDescription;

    /**
     * {@code whyNotCandidate} says why this Pod is not a candidate, when the elector says it is not;
     * {@code candidatesDescription} what makes a Pod a candidate, and which are.
     */
    ElectorLog(
            String group,
            String lease,
            String pod,
            Supplier<String> whyNotCandidate,
            Supplier<String> candidatesDescription) {
        this.group = group;
        this.lease = lease;
        this.pod = pod;
        this.whyNotCandidate = whyNotCandidate;
        this.candidatesDescription = candidatesDescription;
    }

    void log(ElectionEvent event) {
        if (event instanceof ElectionEvent.RenewFailed e) {
            KeyValueLog.warn(
                    LOG,
                    "event=renew-failed group={} pod={} epoch={} reason=\"{}\": retrying until the renew deadline in"
                            + " {} ms",
                    group,
                    pod,
                    e.epoch(),
                    e.reason(),
                    e.leftMs());
        } else if (event instanceof ElectionEvent.RenewDeadline e) {
            KeyValueLog.warn(
                    LOG,
                    "event=renew-deadline group={} pod={} epoch={}: no successful renewal for {} ms, stopping",
                    group,
                    pod,
                    e.epoch(),
                    e.renewDeadlineMs());
        } else if (event instanceof ElectionEvent.TermSuspended e) {
            KeyValueLog.warn(
                    LOG,
                    "event=term-suspended group={} pod={} epoch={} renewals-out={}: no renewal acknowledged"
                            + " within {} ms of its send, stopping; the term resumes if one of those out is acknowledged within {} ms of"
                            + " its send",
                    group,
                    pod,
                    e.epoch(),
                    e.renewalsOut(),
                    e.renewDeadlineMs(),
                    e.renewDeadlineMs());
        } else if (event instanceof ElectionEvent.TermResumed e) {
            KeyValueLog.info(
                    LOG,
                    "event=term-resumed group={} pod={} epoch={} suspended-ms={}: a renewal landed within the renew"
                            + " deadline of its send; acting again",
                    group,
                    pod,
                    e.epoch(),
                    e.suspendedMs());
        } else if (event instanceof ElectionEvent.RenewRefused e) {
            KeyValueLog.info(
                    LOG,
                    "event=lost-lease group={} pod={} epoch={} holder=unknown: a renewal was refused (HTTP 422),"
                            + " the Lease no longer holds this term; stopping",
                    group,
                    pod,
                    e.epoch());
        } else if (event instanceof ElectionEvent.LostLease e) {
            KeyValueLog.info(
                    LOG,
                    "event=lost-lease group={} pod={} epoch={} holder={} holder-epoch={}",
                    group,
                    pod,
                    e.epoch(),
                    e.holder() == null ? "none" : e.holder(),
                    e.holderEpoch());
        } else if (event instanceof ElectionEvent.LeaseDeleted e) {
            KeyValueLog.warn(
                    LOG,
                    "event=lease-deleted group={} pod={} holder={} epoch={}: restoring it as it was",
                    group,
                    pod,
                    e.holder() == null ? "none" : e.holder(),
                    e.epoch());
        } else if (event instanceof ElectionEvent.LeaseRestored e) {
            KeyValueLog.info(
                    LOG,
                    "event=lease-restored group={} pod={} holder={} epoch={}",
                    group,
                    pod,
                    e.holder() == null ? "none" : e.holder(),
                    e.epoch());
        } else if (event instanceof ElectionEvent.EpochRaised e) {
            KeyValueLog.warn(
                    LOG,
                    "event=epoch-raised group={} pod={} holder={} from={} to={}: the Lease was re-created with a lower"
                            + " epoch",
                    group,
                    pod,
                    e.holder() == null ? "none" : e.holder(),
                    e.from(),
                    e.to());
        } else if (event instanceof ElectionEvent.NotCandidate e) {
            KeyValueLog.warn(
                    LOG,
                    "event=not-a-candidate group={} pod={} reason=\"{}\": {}",
                    group,
                    pod,
                    whyNotCandidate.get(),
                    e.wasLeader() ? "stopping and giving the Lease up" : "this replica will not lead until it is one");
        } else if (event instanceof ElectionEvent.Candidate) {
            KeyValueLog.info(LOG, "event=candidate group={} pod={}", group, pod);
        } else if (event instanceof ElectionEvent.ForeignHolder e) {
            KeyValueLog.warn(
                    LOG,
                    "event=foreign-holder group={} pod={} holder={} epoch={} lease={}: the Lease is renewed"
                            + " by a name that is not among this replica's candidates ({}); usually another application uses"
                            + " the same Lease name (k8sensus.election.lease-prefix), or the candidate labels miss the holder's"
                            + " Pod; this replica waits until the holder releases the Lease or stops renewing it",
                    group,
                    pod,
                    e.holder(),
                    e.epoch(),
                    lease,
                    candidatesDescription.get());
        } else if (event instanceof ElectionEvent.HolderSilent e) {
            KeyValueLog.info(
                    LOG,
                    "event=holder-silent group={} pod={} holder={} takeover-in-ms={}",
                    group,
                    pod,
                    e.holder(),
                    e.takeoverInMs());
        } else if (event instanceof ElectionEvent.AcquireUnknown e) {
            KeyValueLog.warn(
                    LOG,
                    "event=acquire-unknown group={} pod={} epoch={} reason=\"{}\": it may have landed; not acting on"
                            + " it, it expires like any other term",
                    group,
                    pod,
                    e.epoch(),
                    e.reason());
        } else if (event instanceof ElectionEvent.Released e) {
            KeyValueLog.info(
                    LOG,
                    "event={} group={} pod={} epoch={} lease={}",
                    e.forBalance() ? "released-for-balance" : "released",
                    group,
                    pod,
                    e.epoch(),
                    lease);
        } else if (event instanceof ElectionEvent.ReleaseFailed e) {
            KeyValueLog.warn(
                    LOG,
                    "event=release-failed group={} pod={} epoch={} reason=\"{}\": a follower takes over once the lease"
                            + " expires",
                    group,
                    pod,
                    e.epoch(),
                    e.reason());
        }
    }
}
