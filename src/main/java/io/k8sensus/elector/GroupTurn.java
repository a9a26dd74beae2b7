package io.k8sensus.elector;

import java.util.Map;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * One group's election on one replica, as its driver turns it: the {@link Elector}, the group's {@link Handover} and the
 * replica's {@link Balancer}, with no I/O, thread or clock. The application's driver ({@code LeaseElectionView}) and
 * both simulations turn this same class, so what the simulations prove is what the jar runs: tell it what happened
 * ({@code on...}), ask it for a {@link #step} (the handover's turn, then the elector's request, if any), make the
 * request, hand back the answer ({@link #onAnswer}), and come back at {@link #nextStepAt} at the latest.
 * <p>
 * What the group's routes may do is {@link #routesLeader()} and {@link #routesMayActUntil()}: while a handover is under
 * way the term goes on, renewed, but its routes are told that nobody leads and no exchange may start; the same while
 * the term is suspended (its renew deadline passed with renewals out), until one lands in time and it resumes under
 * the same epoch.
 */
public final class GroupTurn {

    /** While a handover drains, how often the driver looks whether the work has completed. */
    public static final long HANDOVER_POLL_NANOS = 50_000_000;

    /** What one {@link #step} did: the handover's step, and the request to make (null: none). */
    public record Turn(Handover.Step handover, LeaseRequest request) {}

    private final String group;
    private final Elector elector;
    private final Handover handover;
    private final Balancer balancer;
    private boolean left;
    /** After a step-down, this replica holds back from the group until then, so that another takes it. */
    private long steppedDownUntil = Long.MIN_VALUE;

    public GroupTurn(String group, Elector elector, Balancer balancer) {
        this.group = group;
        this.elector = elector;
        this.handover = new Handover(group, elector.timings());
        this.balancer = balancer;
    }

    /** The Lease as a watch delivered it (null: deleted). */
    public void onLease(LeaseRecord lease, long now) {
        elector.onLease(lease, now);
    }

    /** The candidate Pods' names. */
    public void onCandidates(Set<String> names, long now) {
        elector.onCandidates(names, now);
        balancer.onCandidates(names, now);
    }

    /**
     * Which replicas run this group, by their marks on its Lease (name to mark), and how many groups in all those that
     * say it lead (name to groups).
     */
    public void onRunners(Map<String, String> marks, Map<String, Integer> leads, long now) {
        if (left) {
            return;
        }
        balancer.onRunners(group, marks, now);
        balancer.onSaid(group, leads, now);
    }

    /** Whether the Lease's watch is up. */
    public void onWatch(boolean up) {
        elector.onWatch(up);
    }

    /** The replica shuts down: this group's term is released as soon as its own work is done. */
    public void onStopping() {
        handover.onStopping();
    }

    /**
     * Whether an operator asks this replica to step down as the group's leader: once another candidate is known, the
     * group is handed over as on a departure, and this replica then holds back for a lease duration.
     */
    public void onStepDownAsked(boolean asked) {
        handover.onStepDownAsked(asked);
    }

    /** The answer to the request the last {@link #step} returned. */
    public void onAnswer(LeaseRequest request, Answer answer, long now) {
        elector.onAnswer(request, answer, now);
    }

    /** The renew deadline's timer: ends the term if it has come. */
    public void onDeadline(long now) {
        elector.onTick(now);
    }

    /**
     * One turn: the handover's step ({@code work} counts the work the term still has under way: exchanges in flight,
     * delegates running, starting or stopping), then the elector's, with the balancer's deference.
     */
    public Turn step(long now, IntSupplier work) {
        Handover.Step step = handover.step(elector, balancer, now, work);
        if (handover.cause() == Handover.Cause.REQUESTED
                && (step == Handover.Step.RELEASING || step == Handover.Step.RELEASING_WITH_WORK)) {
            steppedDownUntil = now + elector.timings().leaseDurationNanos();
        }
        // the elector's deference counts from when it saw the Lease free: a lease duration, until the hold-back is over
        long holdBack = steppedDownUntil > now ? elector.timings().leaseDurationNanos() : 0;
        elector.onDeference(Math.max(balancer.deferNanos(now), holdBack));
        return new Turn(step, elector.step(now));
    }

    /**
     * The renewal due now, if any, whatever else is out: for a driver that sends renewals on a timer of their own
     * ({@link Elector#renewal}).
     */
    public LeaseRequest renewal(long now) {
        return elector.renewal(now);
    }

    /** When the next renewal is due, or {@link Long#MAX_VALUE}. */
    public long renewalDueAt() {
        return elector.renewalDueAt();
    }

    /** Stops the election for good: a leader stops acting; with {@code release}, the next steps release the term. */
    public void stop(long now, boolean release) {
        elector.stop(now, release);
    }

    /** When to step at the latest if nothing happens. */
    public long nextStepAt(long now) {
        long next = elector.nextStepAt(now);
        return handover.underWay() ? Math.min(next, now + HANDOVER_POLL_NANOS) : next;
    }

    /**
     * Who leads, as the group's routes are told: nobody while this replica hands its term over or while its term is
     * suspended.
     */
    public String routesLeader() {
        return handover.underWay() || elector.suspended() ? null : elector.leader();
    }

    /**
     * Until when this replica's routes of the group may start an exchange (monotonic nanos): the term's renew deadline,
     * or {@link Long#MIN_VALUE} when it does not lead, hands its term over, or its term is suspended.
     */
    public long routesMayActUntil() {
        return handover.underWay() || elector.suspended() ? Long.MIN_VALUE : elector.mayActUntil();
    }

    /** Tells the balancer who leads this group now, as this replica knows it. */
    public void reportLeader(long now) {
        if (!left) {
            balancer.onLeader(group, elector.leader(), now);
        }
    }

    /**
     * The group is elected here no more (its view stopped): the balancer forgets it, and nothing that comes after (a
     * renewal's late answer, a last delivery of the Lease) tells it of the group again.
     */
    public void leave() {
        left = true;
        balancer.onRemoved(group);
    }

    public String group() {
        return group;
    }

    public Elector elector() {
        return elector;
    }

    public Handover handover() {
        return handover;
    }

    public Balancer balancer() {
        return balancer;
    }
}
