package io.k8sensus.elector;

import java.util.function.IntSupplier;

/**
 * How one group's term ends on purpose on this replica, as a state machine without I/O or clock: its routes stop first
 * (the driver names no leader to them and closes the term's window) while the term goes on, so nobody else may act;
 * once the work the term started has completed, the elector releases the term and another replica takes it at once.
 * Three causes:
 * <ul>
 * <li>{@link Cause#BALANCE}: the {@link Balancer} picked the group to spread the groups. Work that does not complete
 * within a lease duration keeps the group here: the move is abandoned.</li>
 * <li>{@link Cause#REQUESTED}: an operator asked the leader to step down (before node maintenance, say), and another
 * candidate can take the group. As a departure: the work stops and drains, work still running after a lease duration
 * is left to finish under the old epoch, and the term is released; this replica then holds back for a lease duration
 * so that another takes it. Withdrawn before the release, the group stays.</li>
 * <li>{@link Cause#LEFT}: this replica's Pod left the candidates (NotReady, deleted, relabelled). A planned stop, not a
 * crash: the work stops, drains, then the term is released. Work still running after a lease duration is left to
 * finish under the old epoch (which a fence refuses once the next term acts), and the term is released anyway.</li>
 * <li>{@link Cause#STOPPING}: the replica shuts down. The term is released as soon as this group's own work is done,
 * whatever other groups still run; the driver's stop ends it at the latest.</li>
 * </ul>
 */
public final class Handover {

    /** Why the term is being handed over. */
    public enum Cause {
        BALANCE,
        REQUESTED,
        LEFT,
        STOPPING
    }

    /** What a turn did. */
    public enum Step {
        /** Nothing to do. */
        NONE,
        /** A handover began ({@link #cause()}): stop the group's routes. */
        STARTED,
        /** Still waiting for the work in flight. */
        DRAINING,
        /** The work completed: the elector releases the term. */
        RELEASING,
        /**
         * This replica left the candidates, or was asked to step down, and the work did not complete within a lease
         * duration: released anyway.
         */
        RELEASING_WITH_WORK,
        /** A move whose work did not complete in time: the group stays, its routes start again. */
        ABANDONED,
        /**
         * The handover no longer has a cause (the groups are even without this move; the Pod is a candidate again; the
         * request to step down was withdrawn): the group stays, its routes start again.
         */
        CANCELLED,
        /** The term ended on its own meanwhile: nothing left to hand over. */
        ENDED
    }

    private final String group;
    private final Timings timings;
    private long since = Long.MIN_VALUE;
    private Cause cause;
    private Balancer.Move move;
    private boolean stopping;
    private boolean stepDownAsked;
    private int workLeft;

    public Handover(String group, Timings timings) {
        this.group = group;
        this.timings = timings;
    }

    /** The replica shuts down: the term is to be released once this group's work is done. */
    public void onStopping() {
        stopping = true;
    }

    /** Whether an operator asks this replica to step down as the group's leader (see {@link Cause#REQUESTED}). */
    public void onStepDownAsked(boolean asked) {
        stepDownAsked = asked;
    }

    /**
     * One turn, under the driver's lock, before the elector's step. {@code work} counts the work the group's term still
     * has under way on this replica (exchanges in flight, delegates running, starting or stopping); it is read only
     * while a handover is under way.
     */
    public Step step(Elector elector, Balancer balancer, long now, IntSupplier work) {
        if (since == Long.MIN_VALUE) {
            return begin(elector, balancer, now);
        }
        if (!elector.leads()) {
            since = Long.MIN_VALUE;
            return Step.ENDED;
        }
        Cause now_ = causeNow(elector);
        if (now_ != null && now_.ordinal() > cause.ordinal()) {
            if (cause == Cause.BALANCE) {
                balancer.onMoveCancelled(group); // the move becomes a departure: the Balancer counts it no more
            }
            cause = now_; // a departure or a stop outranks a move, and a stop a departure
        }
        if ((cause == Cause.LEFT || cause == Cause.REQUESTED) && now_ == null) {
            since = Long.MIN_VALUE;
            return Step.CANCELLED;
        }
        if (cause == Cause.BALANCE && !balancer.stillWorthMoving(group, now)) {
            since = Long.MIN_VALUE;
            balancer.onMoveCancelled(group);
            return Step.CANCELLED;
        }
        workLeft = work.getAsInt();
        if (workLeft == 0) {
            return release(elector, now, Step.RELEASING);
        }
        if (now - since > timings.leaseDurationNanos()) {
            if (cause == Cause.BALANCE) {
                since = Long.MIN_VALUE;
                balancer.onMoveAbandoned(group, now);
                return Step.ABANDONED;
            }
            if (cause == Cause.LEFT || cause == Cause.REQUESTED) {
                return release(elector, now, Step.RELEASING_WITH_WORK);
            }
        }
        return Step.DRAINING;
    }

    private Step begin(Elector elector, Balancer balancer, long now) {
        if (!elector.mayAct(now)) {
            return Step.NONE;
        }
        Cause started = causeNow(elector);
        if (started == null) {
            move = balancer.move(now).filter(m -> m.group().equals(group)).orElse(null);
            if (move == null) {
                return Step.NONE;
            }
            balancer.onMoveStarted(move);
            started = Cause.BALANCE;
        }
        cause = started;
        since = now;
        workLeft = 0;
        return Step.STARTED;
    }

    /** A stop, a departure or a request to step down that another candidate can take up, if there is one now. */
    private Cause causeNow(Elector elector) {
        if (stopping) {
            return Cause.STOPPING;
        }
        if (elector.leftCandidates()) {
            return Cause.LEFT;
        }
        return stepDownAsked && elector.anotherCandidate() ? Cause.REQUESTED : null;
    }

    private Step release(Elector elector, long now, Step step) {
        since = Long.MIN_VALUE;
        if (cause == Cause.STOPPING) {
            elector.stop(now, true);
        } else {
            elector.handOver(now, cause == Cause.BALANCE);
        }
        return step;
    }

    /** Whether the group's term is being handed over: its routes must not run, and the driver looks again soon. */
    public boolean underWay() {
        return since != Long.MIN_VALUE;
    }

    /** The cause of the handover under way or last made. */
    public Cause cause() {
        return cause;
    }

    /** The move under way or last made, for {@link Cause#BALANCE}. */
    public Balancer.Move move() {
        return move;
    }

    /** The work the last turn found still under way. */
    public int workLeft() {
        return workLeft;
    }
}
