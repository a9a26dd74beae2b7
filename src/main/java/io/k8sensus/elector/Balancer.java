package io.k8sensus.elector;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Spreads one replica's groups over the candidate replicas: the decision core of balancing, with no I/O, no thread and
 * no clock of its own (every call carries the time). One per replica, shared by the electors of its groups. It reads
 * only what every replica sees for itself, the holder of each group's Lease and the candidate Pods, so the replicas
 * agree without a coordinator.
 * <p>
 * Balanced means every candidate leads either ⌊G/R⌋ or ⌈G/R⌉ of the G groups (R candidates): the most and the fewest
 * groups led differ by at most one. Two rules get there:
 * <ul>
 * <li><b>Deference</b> ({@link #deferNanos}): a free or expired Lease goes to a replica that leads the fewest groups.
 * A replica that leads k more than the fewest holds back for k retry periods (three at most) before it takes one, so
 * a failover lands where it balances, and a Lease that the replica with the fewest does not take (it is gone) is
 * still taken, at most three retry periods later.</li>
 * <li><b>Moves</b> ({@link #move}): the replica that leads the most (the first by name among equals) hands one group
 * over, by the graceful handover, when it leads two or more groups more than a candidate that has been one for a lease
 * duration. One move at a time, a retry period apart, and a retry period after any change of a leader or of the
 * candidates (so that a move is not made on a view the others have already left behind); a move that no longer
 * balances when its exchanges have completed is called off; the released Lease then goes, by deference, to a replica
 * with the fewest.</li>
 * </ul>
 * A move whose group goes to a replica with the fewest lowers the sum of the squares of the groups led by at least 2,
 * so such moves stop: a replica joining R - 1 balanced others needs ⌊G/R⌋ of them, a replica leaving none (its groups
 * fail over by deference); a group that goes elsewhere (its intended taker was not ready) leaves that taker out of
 * moves for a while (see {@link #unresponsive}). A candidate counts for moves only once it has been one for a lease
 * duration, so a Pod coming and going moves nothing; a move needs a difference of two, so a balanced placement never
 * moves.
 */
public final class Balancer {

    /**
     * What a replica that leads the most does next: hand {@code group} over; it leads {@code leads}, the candidates
     * {@code to} lead {@code fewest}, and one of them should take it.
     */
    public record Move(String group, int leads, int fewest, Set<String> to) {
    }

    private static final int MAX_DEFERENCE_PERIODS = 3;

    private final String identity;
    private final Timings timings;
    private final boolean enabled;
    /** The holder of each group's Lease as this replica knows it (absent or null: none). */
    private final Map<String, String> leaders = new TreeMap<>();
    /** Since when each candidate has been one, on this replica's clock. */
    private final Map<String, Long> candidateSince = new TreeMap<>();
    private boolean candidatesKnown;
    /** The move under way, until the group's Lease names someone else (or the move is abandoned). */
    private Move moving;
    private long nextMoveAt = Long.MIN_VALUE;
    /** When a leader or the candidates last changed: a move waits a retry period after, for the views to agree. */
    private long lastChangeAt = Long.MIN_VALUE;
    /**
     * Candidates that let a group handed to them go to someone else (a process stopped or paused while its Pod stays
     * Ready), with when they count again: no move goes to them until they lead a group, leave the candidates and come
     * back, or {@link #UNRESPONSIVE_LEASES} lease durations have passed (a process restarted in the same Pod).
     */
    private final Map<String, Long> unresponsive = new TreeMap<>();
    static final int UNRESPONSIVE_LEASES = 5;
    /** The Lease of the group being moved has been seen free. */
    private boolean released;
    /** Groups led per candidate, as {@link #loads()} counts them; null: to be counted again. */
    private Map<String, Integer> loads;

    public Balancer(String identity, Timings timings, boolean enabled) {
        this.identity = identity;
        this.timings = timings;
        this.enabled = enabled;
    }

    /** A balancer that never moves and never defers: every group elected on its own. */
    public static Balancer off(String identity, Timings timings) {
        return new Balancer(identity, timings, false);
    }

    // ------------------------------------------------------------------------------------------------ what it is told

    /** Who leads {@code group} now as this replica knows it (null: nobody). */
    public synchronized void leader(String group, String leader, long now) {
        if (!java.util.Objects.equals(leaders.put(group, leader), leader)) {
            lastChangeAt = now;
            loads = null;
        }
        if (leader != null) {
            unresponsive.remove(leader);
        }
        unresponsive.values().removeIf(until -> until <= now);
        if (moving == null || !moving.group().equals(group)) {
            return;
        }
        if (leader == null) {
            released = true; // handed over: it waits for a taker
            return;
        }
        if (leader.equals(identity) && !released) {
            return; // still this replica's term, being handed over
        }
        if (released && !moving.to().contains(leader)) {
            // none of them took it in time (this replica took it back, or another did)
            long until = now + UNRESPONSIVE_LEASES * timings.leaseDurationNanos();
            moving.to().forEach(name -> unresponsive.put(name, until));
        }
        moving = null; // moved, or lost meanwhile
        released = false;
        nextMoveAt = now + timings.retryNanos(0); // the next move waits a retry period, for every replica to see it
    }

    /** {@code group} is elected here no more (its routes stopped). */
    public synchronized void removed(String group) {
        leaders.remove(group);
        loads = null;
        if (moving != null && moving.group().equals(group)) {
            moving = null;
            released = false;
        }
    }

    /** The candidate Pods (Running, Ready, with the labels). */
    public synchronized void candidates(Set<String> names, long now) {
        if (!candidateSince.keySet().equals(names)) {
            lastChangeAt = now;
            loads = null;
        }
        candidateSince.keySet().retainAll(names);
        unresponsive.keySet().retainAll(names);
        unresponsive.values().removeIf(until -> until <= now);
        for (String name : names) {
            candidateSince.putIfAbsent(name, now);
        }
        candidatesKnown = true;
    }

    /** The handover of {@code group} did not complete (its exchanges did not finish in time): it stays here. */
    public synchronized void moveAbandoned(String group, long now) {
        if (moving != null && moving.group().equals(group)) {
            moving = null;
            released = false;
            nextMoveAt = now + timings.leaseDurationNanos();
        }
    }

    // ------------------------------------------------------------------------------------------------ what it says

    /**
     * How long this replica holds back, on top of the election's own waits, before it takes a free or expired
     * Lease: a retry period for every group it leads above the fewest any candidate leads, three at most.
     */
    public synchronized long deferNanos(long now) {
        if (!enabled || !candidatesKnown || !candidateSince.containsKey(identity)) {
            return 0;
        }
        // every candidate counts here, also one left out of moves: were it left out, the others would not hold back,
        // and it would lose every race for a free Lease, and so stay left out
        Map<String, Integer> loads = loads(candidateSince.keySet());
        int leads = loads.getOrDefault(identity, 0);
        if (leads == 0) {
            return 0;
        }
        int fewest = leads;
        for (int load : loads.values()) {
            fewest = Math.min(fewest, load);
        }
        int above = leads - fewest;
        return Math.min(above, MAX_DEFERENCE_PERIODS) * timings.retryNanos(0);
    }

    /**
     * The group this replica should hand over now, if any: it leads the most groups (the first by name among equals),
     * at least two more than a candidate that has been one for a lease duration, and no other move is under way. The
     * caller hands it over gracefully and says so ({@link #moveStarted}).
     */
    public synchronized Optional<Move> move(long now) {
        if (!enabled || moving != null || now < nextMoveAt || !candidateSince.containsKey(identity)
            || lastChangeAt != Long.MIN_VALUE && now - lastChangeAt < timings.retryNanos(0)) {
            return Optional.empty();
        }
        Map<String, Integer> loads = loads(candidateSince.keySet());
        int leads = loads.getOrDefault(identity, 0);
        if (leads < 2) {
            return Optional.empty(); // nothing to give: a move needs two more than the fewest
        }
        unresponsive.values().removeIf(until -> until <= now);
        for (Map.Entry<String, Integer> other : loads.entrySet()) {
            int cmp = Integer.compare(other.getValue(), leads);
            if (cmp > 0 || cmp == 0 && other.getKey().compareTo(identity) < 0) {
                return Optional.empty(); // another replica leads more, or as many and comes first: it moves
            }
        }
        int fewest = Integer.MAX_VALUE;
        java.util.SortedSet<String> to = new TreeSet<>();
        for (Map.Entry<String, Long> candidate : candidateSince.entrySet()) {
            String name = candidate.getKey();
            if (name.equals(identity) || unresponsive.containsKey(name)
                || now - candidate.getValue() < timings.leaseDurationNanos()) {
                continue;
            }
            int load = loads.getOrDefault(name, 0);
            if (load < fewest) {
                fewest = load;
                to.clear();
            }
            if (load == fewest) {
                to.add(name);
            }
        }
        if (fewest == Integer.MAX_VALUE || leads - fewest < 2) {
            return Optional.empty();
        }
        // the last group by name: any rule would do, as long as a replica moves its groups in a predictable order
        String group = null;
        for (Map.Entry<String, String> led : leaders.entrySet()) {
            if (identity.equals(led.getValue())) {
                group = led.getKey();
            }
        }
        // sorted: the election log and the simulation's trace name them in the same order in every run
        return Optional.of(new Move(group, leads, fewest, java.util.Collections.unmodifiableSortedSet(to)));
    }

    /**
     * Whether the move of {@code group} under way still balances: this replica still leads two groups more than the
     * fewest any candidate it would move to leads (a failover meanwhile may have evened them out).
     */
    public synchronized boolean stillWorthMoving(String group, long now) {
        if (moving == null || !moving.group().equals(group)) {
            return false;
        }
        Map<String, Integer> loads = loads(candidateSince.keySet());
        int leads = loads.getOrDefault(identity, 0);
        return moving.to().stream().filter(loads::containsKey).anyMatch(name -> leads - loads.get(name) >= 2);
    }

    /** The move of {@code group} was called off before its release: it stays here, no wait. */
    public synchronized void moveCancelled(String group) {
        if (moving != null && moving.group().equals(group)) {
            moving = null;
            released = false;
        }
    }

    /** The caller began to hand a group over: no other move until its Lease names someone else. */
    public synchronized void moveStarted(Move move) {
        moving = move;
        released = false;
    }

    /** Whether a move of this replica is under way: from its start until another replica holds the group. */
    public synchronized boolean moveUnderWay() {
        return moving != null;
    }

    /** Groups led per candidate (0 for a candidate that leads none), and per holder that is no candidate. */
    public synchronized Map<String, Integer> loads() {
        return loads(candidateSince.keySet());
    }

    private Map<String, Integer> loads(Set<String> candidates) {
        if (loads == null) { // counted again only when a leader or the candidates change: a driver asks every turn
            Map<String, Integer> counted = new TreeMap<>();
            for (String candidate : candidates) {
                counted.put(candidate, 0);
            }
            for (String leader : leaders.values()) {
                if (leader != null && candidates.contains(leader)) {
                    counted.merge(leader, 1, Integer::sum);
                }
            }
            loads = java.util.Collections.unmodifiableMap(counted);
        }
        return loads;
    }
}
