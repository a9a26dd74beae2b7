package io.k8sensus.elector;

import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;

/**
 * The decision core of one replica's election for one group: a state machine with no I/O, no thread and no clock of
 * its own. Its driver tells it what happened ({@link #onLease}, {@link #onCandidates}, {@link #onWatch},
 * {@link #onDeference}, {@link #onTick}), asks it what to do ({@link #step}: at most one {@link LeaseRequest} at a time
 * besides renewals, which need not wait for each other), and hands back the answer ({@link #onAnswer}); every call
 * carries the time, in nanoseconds of one monotonic clock. The application drives it with fabric8 and
 * {@link System#nanoTime()}, the tests and the simulation with plain objects and a virtual clock. Calls must not
 * overlap (the driver serializes them).
 * <p>
 * At any time it is in one {@link Role}, and {@link #step} asks the role what to request: a {@link Role#FOLLOWER}
 * watches the Lease and takes it once it is free or expired, a {@link Role#LEADER} renews its term, a
 * {@link Role#SUSPENDED} leader waits for the renewals out, a term {@link Role#HANDING_OVER} or {@link Role#RELEASING}
 * is released, and a {@link Role#STOPPED} replica writes nothing. Every change of role goes through {@link #become},
 * which checks it against {@link #TRANSITIONS}.
 * <p>
 * The rules it follows, and why they keep two replicas from acting at once, are written in docs/RELIABILITY.md,
 * section "The decision core".
 */
public final class Elector {

    /** What this replica is in the election of its group; {@link #step} asks the role what to do. */
    public enum Role {
        /** Holds no term: follows the Lease, and takes it once it is free or expired, if its Pod is a candidate. */
        FOLLOWER,
        /** Holds a term and may act until its renew deadline; renews every retry period. */
        LEADER,
        /**
         * Holds a term whose renew deadline passed while renewals that could still land in time were out: may not act,
         * sends no new renewal, and leads again when one of them is acknowledged within the renew deadline of its send.
         */
        SUSPENDED,
        /** Handed its term over: stopped acting, releases the term, then follows (and may lead again). */
        HANDING_OVER,
        /** Stopped while it held a term (or one was acquired meanwhile): releases it, then is stopped. */
        RELEASING,
        /** Stopped: writes nothing more, at most reads what an answer still asks it to. */
        STOPPED
    }

    /** The roles each role may become: {@link #become} checks every change against this. */
    static final Map<Role, Set<Role>> TRANSITIONS = Map.of(
            Role.FOLLOWER, EnumSet.of(Role.LEADER, Role.STOPPED),
            Role.LEADER, EnumSet.of(Role.SUSPENDED, Role.FOLLOWER, Role.HANDING_OVER, Role.RELEASING, Role.STOPPED),
            Role.SUSPENDED, EnumSet.of(Role.LEADER, Role.FOLLOWER, Role.HANDING_OVER, Role.RELEASING, Role.STOPPED),
            Role.HANDING_OVER, EnumSet.of(Role.FOLLOWER, Role.RELEASING),
            Role.RELEASING, EnumSet.of(Role.STOPPED),
            Role.STOPPED, EnumSet.of(Role.RELEASING));

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
    /**
     * The epoch of an acquisition whose answer was lost (-1: none), while the Lease is seen at {@link #unansweredOn},
     * the version that acquisition was conditioned on: nothing has landed since, that acquisition included, so its
     * epoch is not yet in the Lease's history. Once the Lease is seen at any other version, it counts as written.
     */
    private long unansweredEpoch = -1;

    private String unansweredOn;
    private boolean silenceChecked;
    private boolean silenceReported;

    // --- candidates ---
    private Set<String> candidates;
    private boolean notCandidateReported;
    /** The term last reported as held by a name that is not a candidate: said once per term. */
    private LeaseRecord foreignReported;

    private boolean watching;

    // --- this replica's role and term ---
    private Role role = Role.FOLLOWER;
    /** The last acknowledged record of this replica's term; null unless it is {@link Role#LEADER} or suspended. */
    private LeaseRecord term;
    /** When the latest-sent acknowledged write of the term was sent: the term may act until this + renew deadline. */
    private long renewedSentAt;
    /** When the term was last {@link Role#SUSPENDED}. */
    private long suspendedAt;
    /** When that write was acknowledged: this replica saw its own record then. */
    private long renewedAt;

    private long nextRenewAt;
    /**
     * The last record of the term being released ({@link Role#HANDING_OVER}, {@link Role#RELEASING}), while it is still
     * the Lease's; null in the other roles.
     */
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
    /** Releases answered since the last term began or ended: a release is tried {@value #MAX_RELEASE_ATTEMPTS} times. */
    private int releaseAttempts;
    /** The term last handed over went to spread the groups (said when its release is done). */
    private boolean handedOverForBalance;
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
    public void onLease(LeaseRecord lease, long now) {
        observe(lease, now, false);
    }

    private void observe(LeaseRecord lease, long now, boolean read) {
        checkDeadline(now);
        if (lease == null) {
            if (!absent && (leads() || known != null)) {
                LeaseRecord last = leads() ? term : known;
                events.accept(new ElectionEvent.LeaseDeleted(last.holder(), last.epoch()));
            }
            absent = true; // restored at the next step: see decideLeader() and decideFollower()
            return;
        }
        boolean reappeared = absent;
        absent = false;
        if (!lease.version().equals(unansweredOn)) {
            countUnansweredAsWritten();
        }
        highestEpoch = Math.max(highestEpoch, lease.epoch());
        if (leads()) {
            if (lease.sameTerm(term) || !read && !reappeared && lease.epoch() < term.epoch()) {
                // this term's own record (the leader writes from its own acknowledged writes), or a late one; after a
                // deletion, though, a lower epoch is a Lease re-created by someone else
                return;
            }
            events.accept(new ElectionEvent.LostLease(term.epoch(), lease.holder(), lease.epoch()));
            endTerm(now, Role.FOLLOWER);
        }
        if (releasing()) {
            if (lease.sameTerm(endedTerm)) {
                endedTerm = lease; // still this process's ended term: released from its newest version
            } else {
                releaseDone(); // moved on: nothing to release
            }
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
    public void onCandidates(Set<String> names, long now) {
        checkDeadline(now);
        candidates = Set.copyOf(names);
        if (candidates.contains(identity) && notCandidateReported) {
            notCandidateReported = false;
            events.accept(new ElectionEvent.Candidate());
        }
    }

    /** Whether the Lease's watch is up; while it is down, a follower reads the Lease every retry period instead. */
    public void onWatch(boolean up) {
        watching = up;
    }

    /**
     * How long this replica holds back before it takes a free Lease, or an expired one beyond its lease duration:
     * the {@link Balancer}'s deference, so that a Lease goes to a replica that leads fewer groups. 0 by default.
     */
    public void onDeference(long nanos) {
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
        if (leads()) {
            endTerm(now, Role.HANDING_OVER);
            handedOverForBalance = forBalance;
        }
    }

    /** Whether this replica leads while its Pod is not among the candidates: its term is to be handed over. */
    public boolean leftCandidates() {
        return leads() && candidates != null && !candidates.contains(identity);
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
        switch (role) {
            case LEADER, SUSPENDED -> endTerm(now, release ? Role.RELEASING : Role.STOPPED);
            case HANDING_OVER -> become(Role.RELEASING); // the release under way goes on
            case FOLLOWER -> become(Role.STOPPED);
            case RELEASING, STOPPED -> {}
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
        if (role != Role.LEADER || absent || now < nextRenewAt || renewalsOfTerm() >= maxRenewalsOut()) {
            return null;
        }
        LeaseRequest request = new LeaseRequest.Renew(ownRecord(term));
        renewalsOut.put(request, now);
        nextRenewAt = now + timings.retryNanos(random.getAsDouble());
        return request;
    }

    /** When the next renewal is due (monotonic nanos), or {@link Long#MAX_VALUE} when none will be. */
    public long renewalDueAt() {
        return role != Role.LEADER || absent ? Long.MAX_VALUE : nextRenewAt;
    }

    private LeaseRequest decide(long now) {
        if (leftCandidates()) {
            // the term goes on, renewed, while its driver stops the work and waits for it ({@link Handover}); then it
            // hands the term over
            reportNotCandidate(true);
        }
        if (now < backoffUntil && !stopped()) {
            // the last request got no answer: ask again a retry period later (a refusal comes at once); a stopping
            // replica's release, a few attempts at most, does not wait
            return null;
        }
        if (readWanted) {
            readWanted = false;
            return new LeaseRequest.Read();
        }
        return switch (role) {
            case FOLLOWER -> decideFollower(now);
            case LEADER -> decideLeader(now);
            case SUSPENDED -> decideSuspended();
            case HANDING_OVER, RELEASING -> decideReleasing();
            case STOPPED -> null;
        };
    }

    /** A leader renews its term every retry period, or restores it when the Lease was deleted. */
    private LeaseRequest decideLeader(long now) {
        if (absent) {
            return new LeaseRequest.Restore(ownRecord(term));
        }
        return now >= nextRenewAt && renewalsOfTerm() < maxRenewalsOut()
                ? new LeaseRequest.Renew(ownRecord(term))
                : null;
    }

    /**
     * A suspended term sends nothing new: it waits for the renewals out, so that it cannot hold the Lease for ever while
     * unable to act (a replica whose own connection is slow must let another one take over). It restores a deleted
     * Lease all the same.
     */
    private LeaseRequest decideSuspended() {
        return absent ? new LeaseRequest.Restore(ownRecord(term)) : null;
    }

    /** A term handed over, or held when this replica stopped, is released while the Lease still names it. */
    private LeaseRequest decideReleasing() {
        return new LeaseRequest.Release(endedTerm);
    }

    /**
     * A follower puts back a deleted Lease and raises one re-created lower; once the candidates are known and its Pod is
     * one, it takes the Lease when it is free or expired, and otherwise reads it when it has to.
     */
    private LeaseRequest decideFollower(long now) {
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

    /**
     * Above every epoch this process has seen or may have written; 0 for the first term of a Lease it never saw. A lost
     * acquisition still pending on the version the Lease is seen at may land later: at most one of the two does, as
     * both are conditioned on that version.
     */
    private long nextEpoch() {
        return Math.max(highestEpoch, unansweredEpoch) + 1;
    }

    /** The lost acquisition may have landed unseen (the Lease moved on from its version): its epoch counts as seen. */
    private void countUnansweredAsWritten() {
        highestEpoch = Math.max(highestEpoch, unansweredEpoch);
        unansweredEpoch = -1;
        unansweredOn = null;
    }

    /**
     * The answer to {@code request}, the one {@link #step} returned. An answer to any other request (one given up on)
     * is ignored.
     */
    public void onAnswer(LeaseRequest request, Answer answer, long now) {
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
            answeredAcquire(create.epoch(), null, answer, sentAt, now);
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
            answeredAcquire(acquire.epoch(), acquire.baseVersion(), answer, sentAt, now);
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
                && !leads()
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
        if (leads() && ok.lease() != null && ok.lease().sameTerm(term)) {
            // after a conflict on renewal: a renewal of this term landed unacknowledged; renew from this version now
            term = ok.lease();
            if (role == Role.LEADER) {
                nextRenewAt = now;
            }
        }
        if (checkingSilence
                && !leads()
                && ok.lease() != null
                && ok.lease().sameSpec(before)
                && !identity.equals(known.holder())) {
            silenceReported = true;
            long left = expiry() - now;
            events.accept(new ElectionEvent.HolderSilent(
                    known.holder(), known.epoch(), Math.max(0, TimeUnit.NANOSECONDS.toMillis(left))));
        }
    }

    /** {@code baseVersion}: the version the acquisition was conditioned on; null for a creation. */
    private void answeredAcquire(long epoch, String baseVersion, Answer answer, long sentAt, long now) {
        if (answer instanceof Answer.Ok ok) {
            if (ok.lease() == null) {
                return;
            }
            if (role == Role.STOPPED) {
                // stopped while the write was out: hand it straight back (if releases are left)
                if (releaseAttempts < MAX_RELEASE_ATTEMPTS) {
                    endedTerm = ok.lease();
                    become(Role.RELEASING);
                }
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
            // may be written, so once the Lease moves on from the version it named it counts as seen: a Lease put back
            // from a backup below it is raised above it first (simulation seed 7439431 at 5a3bd9e: an unknown
            // acquisition of epoch 1, another replica's term of epoch 1, a backup of epoch 0 put back, then epoch 1
            // again). While the Lease is still read at that version, nothing landed: the silence seen before counts
            // (an API server down for longer than the lease duration costs no extra lease duration after it is back)
            events.accept(new ElectionEvent.AcquireUnknown(epoch, failed.reason()));
            if (baseVersion != null && !absent && known != null && baseVersion.equals(known.version())) {
                unansweredOn = baseVersion;
                unansweredEpoch = Math.max(unansweredEpoch, epoch);
            } else {
                countUnansweredAsWritten();
                highestEpoch = Math.max(highestEpoch, epoch);
            }
            readWanted = true;
        } else {
            readWanted = true; // a conflict: someone wrote first; read who
            acquireConflicted = true;
        }
    }

    private void answeredRestore(LeaseRecord last, Answer answer, long sentAt, long now) {
        if (answer instanceof Answer.Ok ok && ok.lease() != null) {
            events.accept(new ElectionEvent.LeaseRestored(last.holder(), last.epoch()));
            if (leads() && ok.lease().sameTerm(term)) {
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
        boolean ours = leads() && renewed.sameTerm(term);
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
                endTerm(now, Role.FOLLOWER);
                readWanted = true; // who holds it now?
            }
        } else if (answer instanceof Answer.Failed failed) {
            if (ours && role == Role.LEADER) {
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
        if (role == Role.SUSPENDED && now < deadline()) {
            become(Role.LEADER);
            events.accept(
                    new ElectionEvent.TermResumed(term.epoch(), TimeUnit.NANOSECONDS.toMillis(now - suspendedAt)));
        }
    }

    private void answeredRelease(LeaseRecord released, Answer answer, long now) {
        releaseAttempts++;
        if (answer instanceof Answer.Ok ok) {
            releaseDone();
            events.accept(new ElectionEvent.Released(released.epoch(), handedOverForBalance));
            handedOverForBalance = false;
            observe(ok.lease(), now, true);
        } else if (answer instanceof Answer.NotFound || answer instanceof Answer.TermLost) {
            releaseDone(); // no Lease, or it holds another term now: nothing of this one to release
            handedOverForBalance = false;
        } else if (answer instanceof Answer.Failed failed) {
            releaseDone();
            handedOverForBalance = false;
            events.accept(new ElectionEvent.ReleaseFailed(released.epoch(), failed.reason()));
        } else {
            readWanted = true; // a conflict: release again only if the Lease still names the term
            if (releaseAttempts >= MAX_RELEASE_ATTEMPTS) {
                releaseDone(); // given up: the term expires like any other
            }
        }
    }

    /**
     * The release of {@link #endedTerm} is over, done or not: a replica that handed its term over follows, a stopping
     * one is stopped. An answer that comes after the release was given up changes no role.
     */
    private void releaseDone() {
        if (releasing()) {
            endedTerm = null;
            become(role == Role.HANDING_OVER ? Role.FOLLOWER : Role.STOPPED);
        }
    }

    // ------------------------------------------------------------------------------------------------ the term

    /**
     * Changes the role: the one place where it changes, checked against {@link #TRANSITIONS} (with assertions on, as
     * in the tests and the simulations).
     */
    private void become(Role next) {
        assert TRANSITIONS.get(role).contains(next) : role + " cannot become " + next;
        role = next;
    }

    private void startTerm(LeaseRecord lease, long sentAt, long now) {
        become(Role.LEADER);
        term = lease;
        renewedSentAt = sentAt;
        renewedAt = now;
        nextRenewAt = sentAt + timings.retryNanos(random.getAsDouble());
        releaseAttempts = 0;
        handedOverForBalance = false;
    }

    /**
     * Ends this replica's term: it stops acting now, and becomes {@code next}: a {@link Role#FOLLOWER} or
     * {@link Role#STOPPED}, or, when the Lease is to be handed back, {@link Role#HANDING_OVER} or {@link Role#RELEASING}.
     */
    private void endTerm(long now, Role next) {
        LeaseRecord ended = term;
        become(next);
        term = null;
        readWanted = false;
        endedTerm = releasing() ? ended : null;
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
        if (!leads() || now < deadline()) {
            return;
        }
        int pending = renewalsThatMayLand(now);
        if (pending > 0) {
            if (role == Role.LEADER) {
                become(Role.SUSPENDED);
                suspendedAt = now;
                events.accept(new ElectionEvent.TermSuspended(term.epoch(), timings.renewDeadlineMs(), pending));
            }
            return;
        }
        events.accept(new ElectionEvent.RenewDeadline(term.epoch(), timings.renewDeadlineMs()));
        endTerm(now, Role.FOLLOWER);
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
    public void onTick(long now) {
        checkDeadline(now);
    }

    /** Whether this replica may act now: it holds a term, not suspended, whose renew deadline has not passed. */
    public boolean mayAct(long now) {
        return role == Role.LEADER && now < deadline();
    }

    /**
     * Until when this replica may act, if it leads (the renew deadline; in the past while the term is suspended);
     * {@link Long#MIN_VALUE} otherwise.
     */
    public long mayActUntil() {
        return leads() ? deadline() : Long.MIN_VALUE;
    }

    /**
     * Whether this replica holds a term (until the next call tells it the deadline has passed and no renewal that could
     * extend it is out), suspended or not.
     */
    public boolean leads() {
        return role == Role.LEADER || role == Role.SUSPENDED;
    }

    /** What this replica is in the election now. */
    public Role role() {
        return role;
    }

    /** Whether it is releasing a term: one it handed over, or held when it stopped. */
    private boolean releasing() {
        return role == Role.HANDING_OVER || role == Role.RELEASING;
    }

    /** Whether it was told to stop: it releases the term it held, if it is to, and writes nothing else. */
    private boolean stopped() {
        return role == Role.RELEASING || role == Role.STOPPED;
    }

    /**
     * Whether this replica's term is suspended: its renew deadline passed while renewals were out; it may not act
     * until one of them is acknowledged within the renew deadline of its send, and ends when none can be.
     */
    public boolean suspended() {
        return role == Role.SUSPENDED;
    }

    /** Who leads as far as this replica knows: itself, the Lease's holder, or null (none, or a term it cannot own). */
    public String leader() {
        if (leads()) {
            return identity;
        }
        if (known == null || known.holder() == null || identity.equals(known.holder())) {
            return null; // (a deleted Lease's term runs on until it is restored or expires)
        }
        return known.holder();
    }

    /** The epoch of {@link #leader()}'s term, or -1. */
    public long epoch() {
        if (leads()) {
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
        return switch (role) {
            // nothing to send: the answers wake it, or the end of the last chance of one landing in time
            case SUSPENDED -> Math.max(now, Math.min(next, suspensionEnds()));
            case LEADER -> Math.max(Math.max(now, backoffUntil), Math.min(next, nextRenewAt));
            case HANDING_OVER, RELEASING -> Math.max(now, backoffUntil);
            case FOLLOWER, STOPPED -> readWanted ? Math.max(now, backoffUntil) : followerWakeAt(now, next);
        };
    }

    /** When a follower looks next, at {@code next} at the latest: when the Lease it holds back from is free to take. */
    private long followerWakeAt(long now, long next) {
        boolean candidate = candidates != null && candidates.contains(identity);
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
