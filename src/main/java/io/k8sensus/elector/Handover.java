package io.k8sensus.elector;

import java.util.function.IntSupplier;

/**
 * One group's move by graceful handover on this replica, as a state machine without I/O or clock: when the
 * {@link Balancer} picks the group, its routes stop (the driver names no leader to them) while the term goes on; once
 * the exchanges in flight have completed, the elector hands the term over ({@link Elector#handOver}) and the release
 * goes out. Exchanges that do not complete within a lease duration keep the group here: the move is abandoned.
 */
public final class Handover {

    /** What a turn did. */
    public enum Step {
        /** Nothing to do. */
        NONE,
        /** The group was picked: stop its routes. */
        STARTED,
        /** Still waiting for the exchanges in flight. */
        DRAINING,
        /** The exchanges completed: the elector releases the term. */
        RELEASING,
        /** The exchanges did not complete in time: the group stays, its routes start again. */
        ABANDONED,
        /**
         * The move would no longer balance (another group moved or failed over meanwhile): the group stays, its
         * routes start again.
         */
        CANCELLED,
        /** The term ended on its own meanwhile: nothing left to hand over. */
        ENDED
    }

    private final String group;
    private final Timings timings;
    private long since = Long.MIN_VALUE;
    private Balancer.Move move;

    public Handover(String group, Timings timings) {
        this.group = group;
        this.timings = timings;
    }

    /**
     * One turn, under the driver's lock, before the elector's step. {@code inFlight} counts the group's exchanges in
     * flight (read only while a move is under way).
     */
    public Step step(Elector elector, Balancer balancer, long now, IntSupplier inFlight) {
        if (since == Long.MIN_VALUE) {
            if (!elector.mayAct(now)) {
                return Step.NONE;
            }
            move = balancer.move(now).filter(m -> m.group().equals(group)).orElse(null);
            if (move == null) {
                return Step.NONE;
            }
            balancer.moveStarted(move);
            since = now;
            return Step.STARTED;
        }
        if (!elector.leads()) {
            since = Long.MIN_VALUE;
            return Step.ENDED;
        }
        if (!balancer.stillWorthMoving(group, now)) {
            since = Long.MIN_VALUE;
            balancer.moveCancelled(group);
            return Step.CANCELLED;
        }
        if (inFlight.getAsInt() == 0) {
            since = Long.MIN_VALUE;
            elector.handOver(now);
            return Step.RELEASING;
        }
        if (now - since > timings.leaseDurationNanos()) {
            since = Long.MIN_VALUE;
            balancer.moveAbandoned(group, now);
            return Step.ABANDONED;
        }
        return Step.DRAINING;
    }

    /** Whether the group is being handed over: its routes must not run, and the driver looks again soon. */
    public boolean underWay() {
        return since != Long.MIN_VALUE;
    }

    /** The move under way or last made. */
    public Balancer.Move move() {
        return move;
    }
}
