package io.k8sensus.sim;

import java.util.ArrayDeque;
import java.util.PriorityQueue;

/**
 * The simulations' virtual time: events run in time order, ties in the order they were scheduled, and a paused
 * process handles what arrived for it while it was paused, in the order it arrived, when it resumes.
 */
final class VirtualTime {

    /** What a simulated process needs for {@link #at(Process, long, Runnable)}: whether it lives, and its pause. */
    static class Process {
        boolean alive = true;
        long pausedUntil;
        /** What arrived while paused, in order. */
        private final ArrayDeque<Runnable> deferred = new ArrayDeque<>();

        private boolean resumeScheduled;
    }

    private record Event(long at, long seq, Runnable action) implements Comparable<Event> {
        @Override
        public int compareTo(Event o) {
            return at != o.at ? Long.compare(at, o.at) : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Event> queue = new PriorityQueue<>();
    private long now;
    private long seq;

    long now() {
        return now;
    }

    /** Runs {@code action} at {@code time} (now, if that has passed). */
    void at(long time, Runnable action) {
        queue.add(new Event(Math.max(time, now), seq++, action));
    }

    /** Runs the action for process {@code p} at {@code time}, unless it has died; once its pause is over if paused. */
    void at(Process p, long time, Runnable action) {
        at(time, () -> runFor(p, action));
    }

    /** Runs the next event if there is one at or before {@code endAt}; false when there is none. */
    boolean runNext(long endAt) {
        Event event = queue.peek();
        if (event == null || event.at > endAt) {
            return false;
        }
        queue.poll();
        now = event.at;
        event.action.run();
        return true;
    }

    private void runFor(Process p, Runnable action) {
        if (!p.alive) {
            return;
        }
        if (now < p.pausedUntil || !p.deferred.isEmpty()) {
            // a paused process handles what arrived in the order it arrived, however often its pause is extended
            p.deferred.add(action);
            scheduleResume(p);
            return;
        }
        action.run();
    }

    private void scheduleResume(Process p) {
        if (!p.resumeScheduled) {
            p.resumeScheduled = true;
            at(Math.max(p.pausedUntil, now), () -> resume(p));
        }
    }

    /** The pause is over: what waited runs now, oldest first. */
    private void resume(Process p) {
        p.resumeScheduled = false;
        if (!p.alive) {
            p.deferred.clear();
            return;
        }
        if (now < p.pausedUntil) {
            scheduleResume(p); // extended meanwhile
            return;
        }
        while (!p.deferred.isEmpty() && p.alive) {
            p.deferred.poll().run();
        }
        p.deferred.clear();
    }
}
