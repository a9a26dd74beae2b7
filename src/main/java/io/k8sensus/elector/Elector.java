package io.k8sensus.elector;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The decision core of one replica's election for one group: a state machine with no I/O, no thread and no clock of
 * its own. Its driver tells it what it observed ({@link #observe}, {@link #candidates}, {@link #watching}), asks it
 * what to do ({@link #step}: at most one {@link LeaseRequest} at a time besides renewals, which need not wait for each
 * other), and hands back the answer ({@link #answered}); every call carries the time, in nanoseconds of one monotonic
 * clock. The application drives it
 * with fabric8 and {@link System#nanoTime()}, the tests and the simulation with plain objects and a virtual clock.
 * Calls must not overlap (the driver serializes them).
 * <p>
 * The rules, and why they keep two replicas from acting at once:
 * <ul>
 * <li>A leader acts until its renew deadline after it <em>sent</em> the latest-sent of its acknowledged writes. The API
 * server applied that write after it was sent, and a follower saw it after that, so a leader's deadline runs out no
 * later, by the clocks' rates, than the time a follower starts waiting from. This holds whether or not an earlier
 * deadline passed while the write was out: at that deadline the term is <em>suspended</em> (it may not act, its routes
 * are told it does not lead) and resumes when such a write is acknowledged; it ends for good when no write still out
 * can be acknowledged within the renew deadline of its send.</li>
 * <li>A renewal is conditioned on the term (holder, epoch, acquire time), not on the version, and the API server checks
 * and writes in one step: renewals go out every retry period, each extending the term from its own send, whether or
 * not the earlier ones were answered. Renewals applied out of order are harmless: each changes the spec, and a
 * follower waits from its own sight of each change.</li>
 * <li>A follower takes a held Lease only once its spec (holder, epoch, acquire and renew time) has not changed for the
 * holder's own lease duration ({@code spec.leaseDurationSeconds}), measured on the follower's clock from the moment it
 * <em>first saw</em> that spec. A change of metadata alone does not reset the wait. A hand edit cannot shorten the wait
 * below what the holder's own writes promised: within a term the follower waits at least the longest duration written
 * with a new renew time, and a record of another term does not end the wait for the one before it.</li>
 * <li>Every write names the version it was decided on; whoever wrote in between makes it fail. A write whose answer
 * is lost may still land: the elector never acts on a term it has not seen acknowledged, and treats what it cannot
 * account for as someone else's term, which must expire.</li>
 * <li>A term is its holder, epoch and acquire time. A leader renews and releases only its own term, so a second
 * process under the same name (a Pod force-deleted while its node is cut off) neither keeps the other's term alive nor
 * clears it; a Lease naming this replica's identity in a term this process did not acquire expires like any other.
 * A renewal writes the whole record of its term (holder, epoch, acquire time, this replica's own lease duration and
 * the new renew time), so a hand edit of the spec lasts until the next renewal at most.</li>
 * <li>Each acquisition takes an epoch above every epoch this process has seen, also when the Lease was deleted and
 * re-created: the epoch never goes down for anyone who has seen it.</li>
 * </ul>
 * Safety assumes that the clocks' rates differ by less than (lease duration - renew deadline) / (lease duration + renew
 * deadline): 20 % at the defaults (15 s, 10 s). A process paused past its renew deadline acts once more when it wakes,
 * before it reads its clock; the epoch is what fences that.
 */
public final class Elector {

    private static final int MAX_RELEASE_ATTEMPTS = 3;
    /** The holder of a Lease restored from a record without one: nobody's name, so its term simply expires. */
    public static final String RESTORED_PREFIX = "restored-by-";

    private final String identity;
    private final Timings timings;
    private final DoubleSupplier random;
    private final Consumer<ElectionEvent> events;

    // --- what this replica knows of the Lease ---
    /** The newest record seen of the Lease (null: never seen one). Kept when the Lease is deleted: its term must run out. */
    private LeaseRecord known;
    /** When the spec of {@link #known} was first seen: the holder's silence is measured from here. */
    private long knownSince;
    /**
     * The longest lease duration (ms) of the term of {@link #known} written with a new renew time (an acquisition or a
     * renewal, as the holder writes them): an edit of the duration alone never shortens the wait below it.
     */
    private long promisedMs;
    /** Until when the term seen before {@link #known}'s may still act: a record of another term does not cut it short. */
    private long earlierTermUntil = Long.MIN_VALUE;
    /** The last acquisition met a conflict: the read that follows tells whether the free Lease was written meanwhile. */
    private boolean acquireConflicted;
    /** The last observation found no Lease. */
    private boolean absent;

    private long highestEpoch = -1;
    private boolean silenceChecked;
    private boolean silenceReported;

    // --- candidates ---
    private Set<String> candidates;
    private boolean notCandidateReported;
    /** The term last reported as held by a name that is not a candidate: said once per term. */
    private LeaseRecord foreignReported;

    private boolean watching;

    // --- this replica's term ---
    /** The last acknowledged record of this replica's term; null when it does not lead. */
    private LeaseRecord term;
    /** When the latest-sent acknowledged write of the term was sent: the term may act until this + renew deadline. */
    private long renewedSentAt;
    /** The renew deadline passed while renewals were out: the term may not act until one of them lands in time. */
    private boolean suspended;

    private long suspendedAt;
    /** When that write was acknowledged: this replica saw its own record then. */
    private long renewedAt;

    private long nextRenewAt;
    /** The last record of a term of this process that has ended: released on stop, while it is still the Lease's. */
    private LeaseRecord endedTerm;

    // --- requests ---
    /** The renewals out, of this term or an earlier one, and when each was sent (by identity: two may be equal). */
    private final Map<LeaseRequest, Long> renewalsOut = new IdentityHashMap<>();
    /** The request out other than a renewal: at most one. */
    private LeaseRequest inFlight;

    private long inFlightSentAt;
    private boolean readWanted;
    /** After a request got no answer, nothing else is asked before this (an API server refusing at once). */
    private long backoffUntil = Long.MIN_VALUE;

    private long nextLookAt;
    private boolean stopping;
    private int releaseAttempts;
    /** The term being released was handed over to spread the groups. */
    private boolean handingOver;
    /** How long to hold back from a free or expired Lease, on top of the election's own waits (balancing). */
    private long deferNanos;

    /**
     * @param identity this replica's name in the Lease (its Pod's name)
     * @param timings  its configured timings
     * @param random   draws in [0, 1) for the jitter
     * @param events   receives what an operator should read about
     */
    public Elector(String identity, Timings timings, DoubleSupplier random, Consumer<ElectionEvent> events) {
        this.identity = identity;
        this.timings = timings;
        this.random = random;
        this.events = events;
    }

    // ------------------------------------------------------------------------------------------------ what it is told

    /**
     * The Lease as a watch delivered it: {@code lease} null means there is none. A watch may deliver late, so a record of
     * an older epoch than this replica's term is taken for a late delivery; a read ({@link LeaseRequest.Read}) is taken
     * as the truth.
     */
    public void observe(LeaseRecord lease, long now) {
        observe(lease, now, false);
    }

    private void observe(LeaseRecord lease, long now, boolean read) {
        checkDeadline(now);
        if (lease == null) {
            if (!absent && (term != null || known != null)) {
                LeaseRecord last = term != null ? term : known;
                events.accept(new ElectionEvent.LeaseDeleted(last.holder(), last.epoch()));
            }
            absent = true; // restored at the next step: see decide()
            return;
        }
        boolean reappeared = absent;
        absent = false;
        highestEpoch = Math.max(highestEpoch, lease.epoch());
        if (term != null) {
            if (lease.sameTerm(term) || !read && !reappeared && lease.epoch() < term.epoch()) {
                // this term's own record (the leader writes from its own acknowledged writes), or a late one; after a
                // deletion, though, a lower epoch is a Lease re-created by someone else
                return;
            }
            events.accept(new ElectionEvent.LostLease(term.epoch(), lease.holder(), lease.epoch()));
            endTerm(now, false);
        }
        if (endedTerm != null) {
            // still this process's ended term: release from its newest version; moved on: nothing to release
            endedTerm = lease.sameTerm(endedTerm) ? lease : null;
        }
        if (known == null || reappeared || !lease.sameSpec(known)) {
            boolean sameTerm = known != null && lease.sameTerm(known);
            boolean releasedByHolder = lease.holder() == null && known != null && lease.epoch() == known.epoch();
            if (known != null && known.holder() != null && !sameTerm && !releasedByHolder) {
                // another term replaced the one seen, and not by its holder's release (which keeps the epoch): a hand
                // edit, or a Lease restored from a backup, even one that looks free; the term seen may still act
                earlierTermUntil = Math.max(earlierTermUntil, expiry());
            }
            if (!sameTerm) {
                promisedMs = lease.leaseDurationMs();
            } else if (!Objects.equals(lease.renewTime(), known.renewTime())) {
                promisedMs = Math.max(promisedMs, lease.leaseDurationMs());
            }
            knownSince = now;
            silenceChecked = false;
            silenceReported = false;
        }
        reportForeignHolder(known, lease);
        known = lease;
    }

    /**
     * Says once per term when the Lease is renewed by a name that is not among the candidates: another application
     * that uses the same Lease, or candidate labels that miss the holder's Pod. This replica never takes a Lease that
     * is renewed, so without the line it would wait in silence. A leader of this application whose Pod turned
     * NotReady or went away releases or stops renewing instead, so a renewal seen is the sign.
     */
    private void reportForeignHolder(LeaseRecord before, LeaseRecord lease) {
        if (candidates == null
                || lease.holder() == null
                || identity.equals(lease.holder())
                || candidates.contains(lease.holder())
                || !lease.sameTerm(before)
                || Objects.equals(lease.renewTime(), before.renewTime())
                || lease.sameTerm(foreignReported)) {
            return;
        }
        foreignReported = lease;
        events.accept(new ElectionEvent.ForeignHolder(lease.holder(), lease.epoch()));
    }

    /** The names of the candidate Pods (Running, Ready, with the labels). Until they are known, nothing is written. */
    public void candidates(Set<String> names, long now) {
        checkDeadline(now);
        candidates = Set.copyOf(names);
        if (candidates.contains(identity) && notCandidateReported) {
            notCandidateReported = false;
            events.accept(new ElectionEvent.Candidate());
        }
    }

    /** Whether the Lease's watch is up; while it is down, a follower reads the Lease every retry period instead. */
    public void watching(boolean up) {
        watching = up;
    }

    /**
     * How long this replica holds back before it takes a free Lease, or an expired one beyond its lease duration:
     * the {@link Balancer}'s deference, so that a Lease goes to a replica that leads fewer groups. 0 by default.
     */
    public void defer(long nanos) {
        deferNanos = Math.max(0, nanos);
    }

    /**
     * Hand the term over: this replica stops acting at once and {@link #step} returns a release of the term, as when
     * it stops, but it may lead again later. The caller has stopped the group's work first ({@link Handover}).
     *
     * @param forBalance the term is handed over to spread the groups (said in the {@link ElectionEvent.Released} event)
     */
    public void handOver(long now, boolean forBalance) {
        checkDeadline(now);
        if (term != null && !stopping) {
            endTerm(now, true);
            handingOver = forBalance;
        }
    }

    /** Whether this replica leads while its Pod is not among the candidates: its term is to be handed over. */
    public boolean leftCandidates() {
        return term != null && candidates != null && !candidates.contains(identity);
    }

    /** Whether a candidate other than this replica is known: one that could take a term handed over. */
    public boolean anotherCandidate() {
        return candidates != null && candidates.stream().anyMatch(name -> !name.equals(identity));
    }

    /**
     * Stop: a leader stops acting at once; with {@code release}, {@link #step} then returns a release of the term, as
     * long as the Lease still names it. Nothing else is written after this.
     */
    public void stop(long now, boolean release) {
        checkDeadline(now);
        stopping = true;
        if (term != null) {
            endTerm(now, release);
        }
    }

    // ------------------------------------------------------------------------------------------------ what it does

    /**
     * What to do now: a request to make, or null. Returns null while a request other than a renewal is out; a renewal
     * goes out a retry period after the last one was sent, answered or not. Call it again after every answer, every
     * observation, and at {@link #nextStepAt} at the latest. A driver that makes one request at a time calls it only
     * while the elector is not {@link #busy()}.
     */
    public LeaseRequest step(long now) {
        checkDeadline(now);
        if (inFlight != null) {
            return null;
        }
        LeaseRequest request = decide(now);
        if (request instanceof LeaseRequest.Renew) {
            renewalsOut.put(request, now);
            nextRenewAt = now + timings.retryNanos(random.getAsDouble());
        } else if (request != null) {
            inFlight = request;
            inFlightSentAt = now;
        }
        return request;
    }

    /**
     * The renewal due now, if any, whatever other request is out: for a driver that sends renewals on a timer of their
     * own, so that a call blocking its loop (a list of the Pods, a read) does not hold them up. The same renewal
     * {@link #step} would return; null when none is due.
     */
    public LeaseRequest renewal(long now) {
        checkDeadline(now);
        if (term == null || absent || suspended || now < nextRenewAt || renewalsOfTerm() >= maxRenewalsOut()) {
            return null;
        }
        LeaseRequest request = new LeaseRequest.Renew(ownRecord(term));
        renewalsOut.put(request, now);
        nextRenewAt = now + timings.retryNanos(random.getAsDouble());
        return request;
    }

    /** When the next renewal is due (monotonic nanos), or {@link Long#MAX_VALUE} when none will be. */
    public long renewalDueAt() {
        return term == null || absent || suspended || stopping ? Long.MAX_VALUE : nextRenewAt;
    }

    private LeaseRequest decide(long now) {
        if (leftCandidates()) {
            // the term goes on, renewed, while its driver stops the work and waits for it ({@link Handover}); then it
            // hands the term over
            reportNotCandidate(true);
        }
        if (now < backoffUntil && !stopping) {
            // the last request got no answer: ask again a retry period later (a refusal comes at once); a stopping
            // replica's release, a few attempts at most, does not wait
            return null;
        }
        if (readWanted) {
            readWanted = false;
            return new LeaseRequest.Read();
        }
        if (term != null) {
            if (absent) {
                return new LeaseRequest.Restore(ownRecord(term));
            }
            // a suspended term sends nothing new: it waits for the renewals out, so that it cannot hold the Lease for
            // ever while unable to act (a replica whose own connection is slow must let another one take over)
            return !suspended && now >= nextRenewAt && renewalsOfTerm() < maxRenewalsOut()
                    ? new LeaseRequest.Renew(ownRecord(term))
                    : null;
        }
        if (endedTerm != null && releaseAttempts < MAX_RELEASE_ATTEMPTS) {
            return new LeaseRequest.Release(endedTerm);
        }
        if (stopping) {
            return null;
        }
        if (absent && known != null) {
            // deleted: put back the last record seen, so that its term runs out as before and the epoch never goes
            // down; every replica that saw it does so, a candidate or not
            return new LeaseRequest.Restore(restoring(known));
        }
        if (!absent && known != null && known.epoch() < highestEpoch) {
            // re-created by someone who knew less: the next term must still be above every epoch seen
            if (known.holder() == null && earlierTermUntil > now) {
                // freed by hand below the newest epoch (a backup put back) while the term it replaced may still act:
                // held by a name no replica has, so that everyone waits rather than taking it
                long ms = Math.max(promisedMs, ownDurationMs());
                return new LeaseRequest.RaiseEpoch(
                        known, highestEpoch, RESTORED_PREFIX + identity, (int) ((ms + 999) / 1000));
            }
            return new LeaseRequest.RaiseEpoch(known, highestEpoch);
        }
        if (candidates == null) {
            return null; // candidates not yet known: never write blind
        }
        if (!candidates.contains(identity)) {
            reportNotCandidate(false);
            return null;
        }
        if (known == null && !absent) {
            return new LeaseRequest.Read(); // not seen yet
        }
        if (absent) {
            // a process that never saw the Lease: the first start of the group (or a deletion nobody restored yet)
            return new LeaseRequest.Create(identity, nextEpoch(), timings.leaseDurationSeconds());
        }
        long silent = now - knownSince;
        if (known.holder() == null) {
            // free: released by its holder, taken at once; freed by someone else, once the term it replaced is out
            return silent >= deferNanos && now >= earlierTermUntil
                    ? new LeaseRequest.Acquire(known.version(), identity, nextEpoch(), timings.leaseDurationSeconds())
                    : null;
        }
        if (now - expiry() >= deferNanos) {
            return new LeaseRequest.Acquire(known.version(), identity, nextEpoch(), timings.leaseDurationSeconds());
        }
        if (!silenceChecked && silent > 2 * timings.maxRetryNanos()) {
            // the holder seems to have missed two renewals; a watch delivering late would look the same: ask
            silenceChecked = true;
            return new LeaseRequest.Read();
        }
        if (!watching && now >= nextLookAt) {
            nextLookAt = now + timings.retryNanos(random.getAsDouble());
            return new LeaseRequest.Read();
        }
        return null;
    }

    /**
     * What to put back for a deleted Lease last seen as {@code last}. This replica's view may be stale (its watch was
     * down), so the Lease it restores must make everyone wait, never look free: a Lease last seen without a holder is
     * restored held by a name no replica has ({@value #RESTORED_PREFIX}this replica), which never renews and so
     * expires; and the lease duration is the longer of the record's and this replica's own.
     */
    private LeaseRecord restoring(LeaseRecord last) {
        long duration = Math.max(Math.max(last.leaseDurationMs(), promisedMs), ownDurationMs());
        String holder = last.holder() != null ? last.holder() : RESTORED_PREFIX + identity;
        return new LeaseRecord(holder, last.epoch(), last.acquireTime(), last.renewTime(), duration, last.version());
    }

    /**
     * The whole record of this replica's term as a renewal or a restore writes it: its holder, epoch and acquire time,
     * and this replica's own lease duration, whatever a hand edit put in the Lease since.
     */
    private LeaseRecord ownRecord(LeaseRecord t) {
        return new LeaseRecord(t.holder(), t.epoch(), t.acquireTime(), t.renewTime(), ownDurationMs(), t.version());
    }

    /** This replica's lease duration as it writes it ({@code spec.leaseDurationSeconds}, rounded up). */
    private long ownDurationMs() {
        return timings.leaseDurationSeconds() * 1000L;
    }

    /** Above every epoch this process has seen; 0 for the first term of a Lease it never saw. */
    private long nextEpoch() {
        return highestEpoch + 1;
    }

    /**
     * The answer to {@code request}, the one {@link #step} returned. An answer to any other request (one given up on)
     * is ignored.
     */
    public void answered(LeaseRequest request, Answer answer, long now) {
        long sentAt;
        if (request != null && renewalsOut.containsKey(request)) {
            sentAt = renewalsOut.remove(request);
        } else if (request != null && request == inFlight) {
            sentAt = inFlightSentAt;
            inFlight = null;
        } else {
            return;
        }
        if (request instanceof LeaseRequest.Renew renew) {
            // before the deadline is checked: an answer at the very end of a suspension may still resume the term
            answeredRenew(renew.term(), answer, sentAt, now);
            checkDeadline(now);
            return;
        }
        checkDeadline(now);
        if (answer instanceof Answer.Failed) {
            backoffUntil = now + timings.retryNanos(random.getAsDouble());
        }
        if (request instanceof LeaseRequest.Read) {
            answeredRead(answer, now);
        } else if (request instanceof LeaseRequest.Create create) {
            answeredAcquire(create.epoch(), answer, sentAt, now);
        } else if (request instanceof LeaseRequest.Restore restore) {
            answeredRestore(restore.last(), answer, sentAt, now);
        } else if (request instanceof LeaseRequest.RaiseEpoch raise) {
            if (answer instanceof Answer.Ok ok) {
                events.accept(new ElectionEvent.EpochRaised(
                        raise.lease().holder(), raise.lease().epoch(), raise.epoch()));
                observe(ok.lease(), now, true);
            } else if (!(answer instanceof Answer.Failed)) {
                readWanted = true;
            }
        } else if (request instanceof LeaseRequest.Acquire acquire) {
            answeredAcquire(acquire.epoch(), answer, sentAt, now);
        } else if (request instanceof LeaseRequest.Release release) {
            answeredRelease(release.term(), answer, now);
        }
    }

    private void answeredRead(Answer answer, long now) {
        if (!(answer instanceof Answer.Ok ok)) {
            return; // unreachable or refused: try again at the next step
        }
        boolean checkingSilence = silenceChecked && !silenceReported && known != null && known.holder() != null;
        LeaseRecord before = known;
        boolean afterAcquireConflict = acquireConflicted;
        acquireConflicted = false;
        observe(ok.lease(), now, true);
        if (afterAcquireConflict
                && term == null
                && before != null
                && before.holder() == null
                && ok.lease() != null
                && ok.lease().holder() == null
                && ok.lease().sameSpec(before)
                && !Objects.equals(ok.lease().version(), before.version())) {
            // the free Lease it tried to take was written meanwhile and looks just as before: a whole term may have
            // come and gone unseen (a watch behind, then a backup of the release put back), and may still act;
            // it is taken a lease duration from now at the earliest
            earlierTermUntil = Math.max(
                    earlierTermUntil, now + TimeUnit.MILLISECONDS.toNanos(Math.max(promisedMs, ownDurationMs())));
        }
        if (term != null && ok.lease() != null && ok.lease().sameTerm(term)) {
            // after a conflict on renewal: a renewal of this term landed unacknowledged; renew from this version now
            term = ok.lease();
            if (!suspended) {
                nextRenewAt = now;
            }
        }
        if (checkingSilence
                && term == null
                && ok.lease() != null
                && ok.lease().sameSpec(before)
                && !identity.equals(known.holder())) {
            silenceReported = true;
            long left = expiry() - now;
            events.accept(new ElectionEvent.HolderSilent(
                    known.holder(), known.epoch(), Math.max(0, TimeUnit.NANOSECONDS.toMillis(left))));
        }
    }

    private void answeredAcquire(long epoch, Answer answer, long sentAt, long now) {
        if (answer instanceof Answer.Ok ok) {
            if (stopping || ok.lease() == null) {
                endedTerm = ok.lease(); // stopped while the write was out: hand it straight back
                return;
            }
            highestEpoch = Math.max(highestEpoch, ok.lease().epoch());
            if (now - sentAt >= timings.renewDeadlineNanos()) {
                // acknowledged after its own deadline: the term is over before it began; it expires like any other
                observe(ok.lease(), now, true);
                return;
            }
            known = ok.lease();
            knownSince = now;
            promisedMs = ok.lease().leaseDurationMs();
            absent = false;
            startTerm(ok.lease(), sentAt, now);
        } else if (answer instanceof Answer.NotFound) {
            absent = true;
        } else if (answer instanceof Answer.Failed failed) {
            // it may land later: then the Lease names this replica in a term it never saw; that term expires. Its epoch
            // may be written, so it counts as seen: a Lease put back from a backup below it is raised above it first,
            // and the next acquisition is above it (simulation seed 7439431 at 5a3bd9e: an unknown acquisition of
            // epoch 1, another replica's term of epoch 1, a backup of epoch 0 put back, then epoch 1 again)
            events.accept(new ElectionEvent.AcquireUnknown(epoch, failed.reason()));
            highestEpoch = Math.max(highestEpoch, epoch);
            readWanted = true;
        } else {
            readWanted = true; // a conflict: someone wrote first; read who
            acquireConflicted = true;
        }
    }

    private void answeredRestore(LeaseRecord last, Answer answer, long sentAt, long now) {
        if (answer instanceof Answer.Ok ok && ok.lease() != null) {
            events.accept(new ElectionEvent.LeaseRestored(last.holder(), last.epoch()));
            if (term != null && ok.lease().sameTerm(term)) {
                // this replica's own term, put back: as good as a renewal sent at that time
                absent = false;
                known = ok.lease();
                knownSince = now;
                promisedMs = ok.lease().leaseDurationMs();
                renewedLanded(ok.lease(), sentAt, now);
                return;
            }
            observe(ok.lease(), now, true);
        } else if (!(answer instanceof Answer.Failed)) {
            readWanted = true; // restored or re-created by someone else first: read it
        }
    }

    private void answeredRenew(LeaseRecord renewed, Answer answer, long sentAt, long now) {
        boolean ours = term != null && renewed.sameTerm(term);
        if (answer instanceof Answer.Ok ok) {
            if (ours && ok.lease() != null && ok.lease().sameTerm(term)) {
                renewedLanded(ok.lease(), sentAt, now);
            } else if (ok.lease() != null) {
                observe(ok.lease(), now, true); // the term ended while the renewal was out: a record to wait out
            }
        } else if (answer instanceof Answer.NotFound) {
            observe(null, now, true); // deleted: the next step restores it
        } else if (answer instanceof Answer.TermLost) {
            if (ours) {
                // final: the API server checked the term against the Lease it would have written
                events.accept(new ElectionEvent.RenewRefused(term.epoch()));
                endTerm(now, false);
                readWanted = true; // who holds it now?
            }
        } else if (answer instanceof Answer.Failed failed) {
            if (ours && !suspended) {
                events.accept(new ElectionEvent.RenewFailed(
                        term.epoch(), failed.reason(), Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline() - now))));
            }
        } else if (ours) {
            readWanted = true; // a conflict (a driver that checks the version): a renewal that landed unacknowledged?
        }
    }

    /**
     * An acknowledged renewal of this term, sent at {@code sentAt}: the term may act until the renew deadline after
     * that send, whether or not an earlier deadline passed meanwhile (a suspended term resumes). Renewals may be
     * acknowledged out of order: the window only grows.
     */
    private void renewedLanded(LeaseRecord lease, long sentAt, long now) {
        term = lease;
        renewedAt = now;
        if (sentAt > renewedSentAt) {
            renewedSentAt = sentAt;
        }
        if (suspended && now < deadline()) {
            suspended = false;
            events.accept(
                    new ElectionEvent.TermResumed(term.epoch(), TimeUnit.NANOSECONDS.toMillis(now - suspendedAt)));
        }
    }

    private void answeredRelease(LeaseRecord released, Answer answer, long now) {
        releaseAttempts++;
        if (answer instanceof Answer.Ok ok) {
            endedTerm = null;
            events.accept(new ElectionEvent.Released(released.epoch(), handingOver));
            handingOver = false;
            observe(ok.lease(), now, true);
        } else if (answer instanceof Answer.NotFound || answer instanceof Answer.TermLost) {
            endedTerm = null; // no Lease, or it holds another term now: nothing of this one to release
            handingOver = false;
        } else if (answer instanceof Answer.Failed failed) {
            endedTerm = null;
            handingOver = false;
            events.accept(new ElectionEvent.ReleaseFailed(released.epoch(), failed.reason()));
        } else {
            readWanted = true; // a conflict: release again only if the Lease still names the term
        }
    }

    // ------------------------------------------------------------------------------------------------ the term

    private void startTerm(LeaseRecord lease, long sentAt, long now) {
        term = lease;
        suspended = false;
        endedTerm = null;
        renewedSentAt = sentAt;
        renewedAt = now;
        nextRenewAt = sentAt + timings.retryNanos(random.getAsDouble());
        releaseAttempts = 0;
        handingOver = false;
    }

    /** Ends this replica's term: it stops acting now. With {@code release}, the Lease is to be handed back. */
    private void endTerm(long now, boolean release) {
        LeaseRecord ended = term;
        term = null;
        suspended = false;
        readWanted = false;
        endedTerm = release ? ended : null;
        releaseAttempts = 0;
        if (known == null || ended.sameTerm(known) || known.epoch() <= ended.epoch()) {
            // this replica saw its own record when its last write was acknowledged: the others wait from later
            known = ended;
            knownSince = renewedAt;
            promisedMs = Math.max(ended.leaseDurationMs(), ownDurationMs()); // what its own writes promised
            silenceChecked = false;
            silenceReported = false;
        }
    }

    /**
     * The renew deadline: a leader that has not renewed by then stops acting. While a renewal that could still land in
     * time (within the renew deadline of its own send) is out, the term is suspended, not given up; it ends when none
     * is left.
     */
    private void checkDeadline(long now) {
        if (term == null || now < deadline()) {
            return;
        }
        int pending = renewalsThatMayLand(now);
        if (pending > 0) {
            if (!suspended) {
                suspended = true;
                suspendedAt = now;
                events.accept(new ElectionEvent.TermSuspended(term.epoch(), timings.renewDeadlineMs(), pending));
            }
            return;
        }
        events.accept(new ElectionEvent.RenewDeadline(term.epoch(), timings.renewDeadlineMs()));
        endTerm(now, false);
    }

    /** How many renewals of this term are out that, acknowledged now or later, could still let it act. */
    private int renewalsThatMayLand(long now) {
        int n = 0;
        for (Map.Entry<LeaseRequest, Long> out : renewalsOut.entrySet()) {
            if (((LeaseRequest.Renew) out.getKey()).term().sameTerm(term)
                    && now < out.getValue() + timings.renewDeadlineNanos()) {
                n++;
            }
        }
        return n;
    }

    /** How many renewals of this term are out. */
    private int renewalsOfTerm() {
        int n = 0;
        for (LeaseRequest out : renewalsOut.keySet()) {
            if (((LeaseRequest.Renew) out).term().sameTerm(term)) {
                n++;
            }
        }
        return n;
    }

    /** When the last renewal out that could still let a suspended term act stops being able to. */
    private long suspensionEnds() {
        long end = Long.MIN_VALUE;
        for (Map.Entry<LeaseRequest, Long> out : renewalsOut.entrySet()) {
            if (((LeaseRequest.Renew) out.getKey()).term().sameTerm(term)) {
                end = Math.max(end, out.getValue() + timings.renewDeadlineNanos());
            }
        }
        return end;
    }

    /**
     * At most as many renewals out as fit in a renew deadline at one per retry period: more could not extend the term
     * further, and each holds a connection.
     */
    private int maxRenewalsOut() {
        return (int) Math.max(1, (timings.renewDeadlineMs() + timings.retryPeriodMs() - 1) / timings.retryPeriodMs());
    }

    private long deadline() {
        return renewedSentAt + timings.renewDeadlineNanos();
    }

    private void reportNotCandidate(boolean wasLeader) {
        if (!notCandidateReported) {
            notCandidateReported = true;
            events.accept(new ElectionEvent.NotCandidate(wasLeader));
        }
    }

    /**
     * When the held Lease {@link #known} expires for this follower: its spec unchanged, since it was first seen, for the
     * holder's lease duration as written, and never before this replica's own lease duration, the longest duration the
     * term's own writes promised (a hand edit may have shortened the one written), nor the term seen before it could
     * end.
     */
    private long expiry() {
        long ms = Math.max(Math.max(known.leaseDurationMs(), promisedMs), timings.leaseDurationMs());
        long waited = knownSince + TimeUnit.MILLISECONDS.toNanos(ms);
        return Math.max(waited, earlierTermUntil);
    }

    // ------------------------------------------------------------------------------------------------ what it says

    /** Time passes: ends the term if its renew deadline has come (the driver calls this on a timer of its own). */
    public void tick(long now) {
        checkDeadline(now);
    }

    /** Whether this replica may act now: it holds a term, not suspended, whose renew deadline has not passed. */
    public boolean mayAct(long now) {
        return term != null && !suspended && now < deadline();
    }

    /**
     * Until when this replica may act, if it leads (the renew deadline; in the past while the term is suspended);
     * {@link Long#MIN_VALUE} otherwise.
     */
    public long mayActUntil() {
        return term == null ? Long.MIN_VALUE : deadline();
    }

    /**
     * Whether this replica holds a term (until the next call tells it the deadline has passed and no renewal that could
     * extend it is out), suspended or not.
     */
    public boolean leads() {
        return term != null;
    }

    /**
     * Whether this replica's term is suspended: its renew deadline passed while renewals were out; it may not act
     * until one of them is acknowledged within the renew deadline of its send, and ends when none can be.
     */
    public boolean suspended() {
        return term != null && suspended;
    }

    /** Who leads as far as this replica knows: itself, the Lease's holder, or null (none, or a term it cannot own). */
    public String leader() {
        if (term != null) {
            return identity;
        }
        if (known == null || known.holder() == null || identity.equals(known.holder())) {
            return null; // (a deleted Lease's term runs on until it is restored or expires)
        }
        return known.holder();
    }

    /** The epoch of {@link #leader()}'s term, or -1. */
    public long epoch() {
        if (term != null) {
            return term.epoch();
        }
        return leader() == null ? -1 : known.epoch();
    }

    /** Whether a request is out, a renewal or another. */
    public boolean busy() {
        return inFlight != null || !renewalsOut.isEmpty();
    }

    /** How many renewals are out. */
    public int renewalsOut() {
        return renewalsOut.size();
    }

    /**
     * When to call {@link #step} at the latest if nothing happens: the leader's next renewal, a follower's next look
     * (at the latest a retry period from now, sooner when the Lease it follows would expire). Never in the past, so a
     * replica that cannot act does not spin.
     */
    public long nextStepAt(long now) {
        long next = now + timings.retryNanos(random.getAsDouble());
        if (term != null && suspended) {
            // nothing to send: the answers wake it, or the end of the last chance of one landing in time
            return Math.max(now, Math.min(next, suspensionEnds()));
        }
        if (term != null) {
            return Math.max(Math.max(now, backoffUntil), Math.min(next, nextRenewAt));
        }
        boolean candidate = candidates != null && candidates.contains(identity);
        if (readWanted || endedTerm != null && releaseAttempts < MAX_RELEASE_ATTEMPTS) {
            return Math.max(now, backoffUntil);
        }
        if (candidate && known != null && !absent && known.holder() == null) {
            // a free Lease this replica holds back from, or whose freeing by hand waits for the term it replaced
            long free = Math.max(knownSince + deferNanos, earlierTermUntil);
            if (free > now) {
                next = Math.min(next, free);
            }
        }
        if (candidate && known != null && !absent && known.holder() != null) {
            long expiry = expiry() + deferNanos;
            if (expiry > now) {
                next = Math.min(next, expiry);
            }
            long silenceCheck = knownSince + 2 * timings.maxRetryNanos() + 1;
            if (!silenceChecked && silenceCheck > now) {
                next = Math.min(next, silenceCheck);
            }
        }
        return next;
    }

    public String identity() {
        return identity;
    }

    public Timings timings() {
        return timings;
    }
}
