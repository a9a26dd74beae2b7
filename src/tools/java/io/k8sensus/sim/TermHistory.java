package io.k8sensus.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The simulated world's history checker: every term of every group (its window: from when its process began to act
 * until its renew deadline, on virtual time), every leader-only exchange started, and every action that reached the
 * receiving system. It says, as the world goes on, whether what happened is allowed:
 * <ul>
 *   <li>in a group, no two processes may act at one instant, and every new term's epoch is above every earlier one;</li>
 *   <li>no exchange starts outside its process's window, nor after another process started one of a newer or equal
 *       epoch;</li>
 *   <li>an action of an older epoch reaching the receiver after a newer one is refused by its fence (counted).</li>
 * </ul>
 * A break of these is a violation, unless it is the documented limit, which needs a group's Lease deleted or written
 * by hand: two terms at once where one of them is blind, begun by a process that had never seen the Lease before it
 * was deleted (it created it) or freed by hand (it took the free record at once): it cannot know the term it overlaps;
 * two terms at once, or an epoch not above an earlier term's, where a hand write replaced the earlier term's record
 * while it was the Lease's and the other term's process never saw it (it cannot know it either); an epoch not above an
 * earlier one after a blind creation, or after the Lease came back below its newest epoch when no live replica knew
 * the newest. Nothing else is excused.
 */
final class TermHistory {

    /** One term of one process in one group: when it began to act, and until when it may act. */
    static final class Window {
        final String group;
        final String actor;
        final long epoch;
        final long start;
        /** Begun by a process that never saw the Lease before it was deleted or freed by hand: it cannot know older terms. */
        final boolean blind;
        /** The terms ({@link #term}) a hand write hid from this window's process before it began: it cannot know them. */
        final Set<String> hiddenFromIt;

        long end;
        /**
         * The windows found overlapping this one, each pair judged once (either way round): the verdict rests on what
         * the two windows were when they began, so a renewal that extends the overlap changes nothing (null: none).
         */
        Set<Window> overlapsJudged;

        Window(String group, String actor, long epoch, long start, long end, boolean blind, Set<String> hiddenFromIt) {
            this.group = group;
            this.actor = actor;
            this.epoch = epoch;
            this.start = start;
            this.end = end;
            this.blind = blind;
            this.hiddenFromIt = hiddenFromIt;
        }

        @Override
        public String toString() {
            return group + " " + actor + " epoch " + epoch + " [" + String.format("%.3f", start / 1e6) + ", "
                    + String.format("%.3f", end / 1e6) + ") ms";
        }
    }

    /** One leader-only exchange: who started it, in which term, when, inside which window. */
    record Exchange(String actor, long epoch, long startedAt, Window window) {}

    /** What a group's history holds. */
    private static final class Group {
        final List<Window> windows = new ArrayList<>();
        final Map<String, Window> open = new HashMap<>();
        /** Per actor, its latest exchange of the highest epoch it started one in. */
        final Map<String, Exchange> highestByActor = new HashMap<>();

        long highestTermEpoch = -1;
        long fencedAbove = -1;
        boolean blindAfterDeletion;
        boolean epochLost;
        long lastLedAt = -1;
    }

    private final LongSupplier now;
    private final StringBuilder trace;
    private final Map<String, Group> groups = new HashMap<>();
    private String violation;
    private boolean limitation;
    private int terms;
    private long exchanges;
    private long fenced;

    TermHistory(LongSupplier now, StringBuilder trace) {
        this.now = now;
        this.trace = trace;
    }

    private Group group(String name) {
        return groups.computeIfAbsent(name, g -> new Group());
    }

    // ------------------------------------------------------------------------------------------ what happened

    /**
     * {@code actor} may act in {@code group}'s term {@code epoch} until {@code end} (virtual time): opens its window,
     * or extends it (a renewal), and checks it against every other term of the group.
     */
    void mayAct(String group, String actor, long epoch, long end, boolean blind) {
        mayAct(group, actor, epoch, end, blind, Set.of());
    }

    /** A term's name as a Lease records it: its holder (a process's replica name, without its incarnation) and epoch. */
    static String term(String holder, long epoch) {
        return holder + "/" + epoch;
    }

    private static String term(Window w) {
        return term(w.actor.replaceFirst("#.*", ""), w.epoch);
    }

    /**
     * The same, where {@code hiddenFromIt} are the terms ({@link #term}) that a hand write replaced while they were the
     * Lease's record and that {@code actor} never saw.
     */
    void mayAct(String group, String actor, long epoch, long end, boolean blind, Set<String> hiddenFromIt) {
        Group g = group(group);
        Window w = g.open.get(actor);
        if (w == null || w.epoch != epoch) {
            closed(group, actor);
            w = new Window(group, actor, epoch, now.getAsLong(), end, blind, hiddenFromIt);
            if (trace != null) {
                log("ACTS " + w);
            }
            terms++;
            g.blindAfterDeletion |= blind;
            if (epoch <= g.highestTermEpoch) {
                String what = "term " + w + " has epoch " + epoch + ", not above the " + g.highestTermEpoch;
                Window taker = w;
                boolean everyOneHidden = g.windows.stream()
                        .filter(earlier -> earlier.epoch >= epoch)
                        .allMatch(earlier -> taker.hiddenFromIt.contains(term(earlier)));
                if (everyOneHidden) {
                    excused(what + " of an earlier term hidden from it by hand");
                } else {
                    fail(g, w, null, what + " of an earlier term");
                }
            }
            g.highestTermEpoch = Math.max(g.highestTermEpoch, epoch);
            g.open.put(actor, w);
            g.windows.add(w);
        } else {
            w.end = Math.max(w.end, end);
        }
        g.lastLedAt = now.getAsLong();
        for (Window other : g.windows) {
            if (!other.actor.equals(actor) && other.start < w.end && w.start < other.end && firstJudged(w, other)) {
                fail(g, w, other, "two processes may act at once: " + other + " and " + w);
            }
        }
    }

    /** Whether the overlap of {@code w} and {@code other} is judged for the first time (it is now). */
    private static boolean firstJudged(Window w, Window other) {
        if (w.overlapsJudged == null) {
            w.overlapsJudged = new HashSet<>();
        }
        if (other.overlapsJudged == null) {
            other.overlapsJudged = new HashSet<>();
        }
        other.overlapsJudged.add(w); // the verdict is the same either way round
        return w.overlapsJudged.add(other);
    }

    /** {@code actor} no longer acts in {@code group} (its term ended, or it died): its window ends now at the latest. */
    void closed(String group, String actor) {
        Group g = group(group);
        Window w = g.open.remove(actor);
        if (w != null) {
            w.end = Math.min(w.end, now.getAsLong());
            g.lastLedAt = Math.max(g.lastLedAt, w.end);
        }
    }

    /** A process created {@code group}'s Lease without having seen it, after it was deleted. */
    void blindCreation(String group) {
        group(group).blindAfterDeletion = true;
    }

    /** {@code group}'s Lease came back below its newest epoch, which no live replica knew. */
    void epochLost(String group) {
        group(group).epochLost = true;
    }

    /**
     * {@code actor} starts an exchange of {@code group} in {@code epoch}: it must start inside the actor's window, and
     * after every exchange of an older term by another process.
     */
    void exchangeStarted(String group, String actor, long epoch) {
        Group g = group(group);
        long t = now.getAsLong();
        Window w = g.open.get(actor);
        if (w == null || w.epoch != epoch || t > w.end) {
            String what = actor + " starts an exchange of " + group + " epoch " + epoch;
            fail(g, w, null, what + " outside its window " + w);
        }
        for (Exchange x : g.highestByActor.values()) {
            if (!x.actor().equals(actor) && x.epoch() >= epoch) {
                String what = actor + " starts an exchange of " + group + " epoch " + epoch + " after " + x.actor()
                        + " started one of epoch " + x.epoch() + " at " + x.startedAt() / 1_000_000 + " ms";
                boolean together = w != null && x.window() != null && x.window().end > w.start;
                if (!together && w != null && x.window() != null && w.hiddenFromIt.contains(term(x.window()))) {
                    // the epoch the term check let repeat (a hand write hid the other's term from this process): its
                    // exchanges repeat that epoch after the other's, one term after the other
                    excused(what + ", a term hidden from it by hand");
                } else {
                    // while the other's window was still open: two actors; after it closed: an epoch that did not grow
                    fail(g, w, together ? x.window() : null, what);
                }
                break;
            }
        }
        Exchange started = new Exchange(actor, epoch, t, w);
        g.highestByActor.merge(actor, started, (old, now) -> now.epoch() >= old.epoch() ? now : old);
        exchanges++;
    }

    /** An exchange's action reaches the receiving system, which refuses an epoch below one it has accepted. */
    void acted(String group, long epoch) {
        Group g = group(group);
        if (epoch < g.fencedAbove) {
            fenced++;
            if (trace != null) {
                log("the fence refuses an action of " + group + " epoch " + epoch + " (it has accepted " + g.fencedAbove
                        + ")");
            }
        } else {
            g.fencedAbove = epoch;
        }
    }

    // ------------------------------------------------------------------------------------------ what it says

    /** Whether some process may act in {@code group} now. */
    boolean led(String group) {
        long t = now.getAsLong();
        for (Window w : group(group).open.values()) {
            if (w.start <= t && t < w.end) {
                return true;
            }
        }
        return false;
    }

    /** The last instant some process could act in {@code group} (-1: never). */
    long lastLedAt(String group) {
        Group g = group(group);
        long last = g.lastLedAt;
        for (Window w : g.open.values()) {
            last = Math.max(last, Math.min(w.end, now.getAsLong()));
        }
        return last;
    }

    /** A check of the world's own (liveness, balance) failed: always a violation. */
    void violation(String what) {
        if (violation == null) {
            violation = what;
            log("VIOLATION " + what);
        }
    }

    String violation() {
        return violation;
    }

    boolean limitation() {
        return limitation;
    }

    int terms() {
        return terms;
    }

    long exchanges() {
        return exchanges;
    }

    long fenced() {
        return fenced;
    }

    /**
     * Records a violation, or counts it apart as the documented limit: two actors only where one of the two terms is
     * itself a blind creation's, or one of them was hidden by hand from the other's process; an epoch not above an
     * earlier one only after a blind creation or a lost epoch.
     */
    private void fail(Group g, Window a, Window b, String what) {
        boolean limit = b == null
                ? g.blindAfterDeletion || g.epochLost
                : a.blind || b.blind || a.hiddenFromIt.contains(term(b)) || b.hiddenFromIt.contains(term(a));
        if (limit) {
            excused(what);
        } else {
            violation(what);
        }
    }

    /** The documented limit: counted apart. */
    private void excused(String what) {
        limitation = true;
        log("LIMIT " + what);
    }

    private void log(String what) {
        if (trace != null) {
            trace.append(String.format("%9.3f        %s%n", now.getAsLong() / 1e6, what));
        }
    }
}
