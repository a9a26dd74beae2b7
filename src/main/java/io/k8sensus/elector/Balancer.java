package io.k8sensus.elector;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SortedSet;
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
 * moves for a while (see {@link #unresponsive}: until it takes a group anew, not while it merely leads one) and, the
 * second time, out of that group's moves until it runs the group anew or its Pod is replaced ({@link #refused}, said
 * once: {@link #takeRefusals}); a move abandoned because the group's exchanges outlast a lease duration backs that
 * group off (a lease duration, doubled at each abandon in a row, 64 at most) while another group moves instead; and a
 * group is moved only while it has changed hands fewer than {@value #MAX_MOVES_PER_GROUP_PER_HOUR} times in the last
 * hour. Replicas that run different groups count each other through their marks ({@link #onSaid}). A candidate counts for moves only once it has been one for a lease
 * duration, so a Pod coming and going moves nothing; a move needs a difference of two, so a balanced placement never
 * moves.
 */
public final class Balancer {

    /**
     * What a replica that leads the most does next: hand {@code group} over; it leads {@code leads}, the candidates
     * {@code to} lead {@code fewest}, and one of them should take it.
     */
    public record Move(String group, int leads, int fewest, Set<String> to) {}

    private static final int MAX_DEFERENCE_PERIODS = 3;
    /**
     * How long a replica leaves the move to one that leads more, in retry periods of quiet: that one moves a retry
     * period after the last change; if nothing has changed after this many, it cannot (a target refused that group, its
     * backoff or hourly cap holds it), and the next replica moves instead.
     */
    static final int YIELD_PERIODS = 4;

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
    /**
     * Which replicas run each group, by the marks they put on its Lease (name to mark; a new process writes a new
     * mark). Once a group's marks are known, a move goes only to a replica that runs the group; until then every
     * candidate is taken to run it.
     */
    private final Map<String, Map<String, String>> runners = new TreeMap<>();
    /** {@link #marks}'s answers, kept until the runners or the processes seen change: it is asked on every turn. */
    private final Map<String, Map<String, String>> currentMarks = new HashMap<>();
    /**
     * Per group, how many groups in all each of its runners says it leads (on its mark). A replica says so only while
     * it leads a group that some candidate does not run ({@link #leadsToSay}): that candidate cannot count the group,
     * and would take the replica to lead fewer than it does.
     */
    private final Map<String, Map<String, Integer>> said = new TreeMap<>();
    /**
     * Per replica, the newest of its processes whose marks this replica has seen, and since when. A mark is
     * {@code <process>.<view>}, the process's start time in base 36 first: a mark of an older process of the same Pod
     * (one that crashed, so never took its marks off) says nothing of what the Pod runs now.
     */
    private final Map<String, MarkSeen> marksSeen = new TreeMap<>();

    private record MarkSeen(long process, long since) {}
    /**
     * Per group, the targets that were handed it and did not take it, with their mark then: the group is not offered
     * to them again until their mark changes (they run it anew) or they leave the candidates (the Pod is replaced).
     * While a group's marks are not known (a Lease without them), a refusal lasts as long as {@link #unresponsive}.
     */
    private final Map<String, Map<String, String>> refused = new TreeMap<>();
    /** Per group, the targets that let it go once, with their mark then: a second time, and they have refused it. */
    private final Map<String, Map<String, String>> declinedOnce = new TreeMap<>();
    /** Refusals not yet reported ({@link #takeRefusals}): each is said once. */
    private final List<Refusal> newRefusals = new ArrayList<>();
    /** Per group: moves abandoned in a row (its exchanges outlasted a lease duration), and when it may move again. */
    private final Map<String, Integer> abandons = new TreeMap<>();

    private final Map<String, Long> groupNextMoveAt = new TreeMap<>();
    /**
     * Per group: when it changed hands within the last hour, as this replica saw it (a move, a failover, a handover on
     * shutdown: one replica's term, then another's), and its last holder. Every replica that runs the group sees the
     * same changes, so the cap holds for the group whoever moves it.
     */
    private final Map<String, ArrayDeque<Long>> handsChanged = new TreeMap<>();

    private final Map<String, String> lastHolder = new TreeMap<>();
    /** A group is moved for balance only if it has changed hands fewer times than this in the last hour. */
    public static final int MAX_MOVES_PER_GROUP_PER_HOUR = 6;
    /** An abandoned group waits a lease duration, doubled at each abandon in a row, this many lease durations at most. */
    static final int MAX_BACKOFF_LEASES = 64;

    private static final long HOUR_NANOS = 3_600_000_000_000L;

    /** {@code target} was handed {@code group} and did not take it; it is not offered the group again for now. */
    public record Refusal(String group, String target) {}
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
    public synchronized void onLeader(String group, String leader, long now) {
        if (!Objects.equals(leaders.put(group, leader), leader)) {
            lastChangeAt = now;
            loads = null;
            if (leader != null) {
                String before = lastHolder.put(group, leader);
                if (before != null && !before.equals(leader)) {
                    handsChanged.computeIfAbsent(group, g -> new ArrayDeque<>()).addLast(now);
                }
            }
            if (leader != null) {
                unresponsive.remove(leader); // it took a group just now: it responds (not: it still leads one)
            }
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
        if (released && leader.equals(identity)) {
            // none of them took it in time: this replica took it back (a group another candidate won the race for has
            // moved all the same, and says nothing about them)
            long until = now + UNRESPONSIVE_LEASES * timings.leaseDurationNanos();
            Map<String, String> marks = runners.getOrDefault(group, Map.of());
            for (String name : moving.to()) {
                unresponsive.put(name, until);
                String mark = marks.getOrDefault(name, "");
                Map<String, String> once = declinedOnce.computeIfAbsent(group, g -> new TreeMap<>());
                if (mark.equals(once.get(name))) { // the second time this run of the group let it go: refused
                    refused.computeIfAbsent(group, g -> new TreeMap<>()).put(name, mark);
                    newRefusals.add(new Refusal(group, name));
                } else {
                    once.put(name, mark); // once may be a slow moment (a saturated node): left out a while only
                }
            }
        } else if (released) {
            abandons.remove(group); // moved: its backoff starts over
        }
        moving = null; // moved, or lost meanwhile
        released = false;
        nextMoveAt = now + timings.retryNanos(0); // the next move waits a retry period, for every replica to see it
    }

    /** {@code group} is elected here no more (its routes stopped). */
    public synchronized void onRemoved(String group) {
        leaders.remove(group);
        runners.remove(group);
        currentMarks.remove(group);
        said.remove(group);
        refused.remove(group);
        declinedOnce.remove(group);
        loads = null;
        if (moving != null && moving.group().equals(group)) {
            moving = null;
            released = false;
        }
    }

    /** The candidate Pods (Running, Ready, with the labels). */
    public synchronized void onCandidates(Set<String> names, long now) {
        if (!candidateSince.keySet().equals(names)) {
            lastChangeAt = now;
            loads = null;
        }
        candidateSince.keySet().retainAll(names);
        if (marksSeen.keySet().retainAll(names)) {
            currentMarks.clear();
        }
        unresponsive.keySet().retainAll(names);
        refused.values().forEach(targets -> targets.keySet().retainAll(names)); // a Pod replaced counts again
        declinedOnce.values().forEach(targets -> targets.keySet().retainAll(names));
        unresponsive.values().removeIf(until -> until <= now);
        for (String name : names) {
            candidateSince.putIfAbsent(name, now);
        }
        candidatesKnown = true;
    }

    /**
     * The replicas that run {@code group} now, by the marks on its Lease (name to mark). A target that refused the
     * group counts again once its mark changes: a new process that runs it.
     */
    public synchronized void onRunners(String group, Map<String, String> marks, long now) {
        Map<String, String> given = Map.copyOf(marks);
        if (given.isEmpty()) {
            runners.remove(group); // a Lease not marked yet (this replica's own mark too): every candidate may run it
            currentMarks.remove(group);
            return;
        }
        given.forEach((name, mark) -> {
            MarkSeen seen = marksSeen.get(name);
            long process = processOf(mark);
            if (seen == null || process > seen.process()) {
                marksSeen.put(name, new MarkSeen(process, now));
                currentMarks.clear(); // a newer process of that Pod: its older marks on every group are left out
            }
        });
        if (given.equals(runners.get(group))) {
            return;
        }
        runners.put(group, given);
        currentMarks.remove(group);
        Map<String, String> refusedHere = refused.get(group);
        if (refusedHere != null) {
            refusedHere
                    .entrySet()
                    .removeIf(e -> !e.getValue().equals(given.get(e.getKey())) && given.containsKey(e.getKey()));
        }
    }

    /**
     * How many groups in all the runners of {@code group} say they lead, by their marks on its Lease (name to groups;
     * a runner that says nothing is absent): what this replica cannot count, the groups they lead that it does not run.
     */
    public synchronized void onSaid(String group, Map<String, Integer> leads, long now) {
        Map<String, Integer> given = Map.copyOf(leads);
        if (given.equals(said.getOrDefault(group, Map.of()))) {
            return;
        }
        if (given.isEmpty()) {
            said.remove(group);
        } else {
            said.put(group, given);
        }
        loads = null;
        lastChangeAt = now; // a move waits a retry period, as after any change of a leader
    }

    /**
     * The handover of {@code group} did not complete (its exchanges did not finish in time): it stays here. The group
     * waits a lease duration before it may move again, doubled at each abandon in a row; another group may move after
     * a retry period.
     */
    public synchronized void onMoveAbandoned(String group, long now) {
        if (moving != null && moving.group().equals(group)) {
            moving = null;
            released = false;
            int inARow = abandons.merge(group, 1, Integer::sum);
            long backoff = timings.leaseDurationNanos() << Math.min(inARow - 1, 6);
            groupNextMoveAt.put(group, now + Math.min(backoff, MAX_BACKOFF_LEASES * timings.leaseDurationNanos()));
            nextMoveAt = now + timings.retryNanos(0);
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
     * caller hands it over gracefully and says so ({@link #onMoveStarted}).
     */
    public synchronized Optional<Move> move(long now) {
        if (!enabled
                || moving != null
                || now < nextMoveAt
                || !candidateSince.containsKey(identity)
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
            if ((cmp > 0 || cmp == 0 && other.getKey().compareTo(identity) < 0)
                    && canMove(other.getKey(), loads, now)
                    && lastChangeAt != Long.MIN_VALUE
                    && now - lastChangeAt < YIELD_PERIODS * timings.retryNanos(0)) {
                return Optional.empty(); // another replica leads more, or as many and comes first: it moves
            }
        }
        // the last group by name that can move now: any order would do, as long as a replica moves its groups in a
        // predictable one; a group in backoff, at its hourly cap, or that no candidate with the fewest runs, is passed
        List<String> led = new ArrayList<>();
        for (Map.Entry<String, String> entry : leaders.entrySet()) {
            if (identity.equals(entry.getValue())) {
                led.add(entry.getKey());
            }
        }
        for (int i = led.size() - 1; i >= 0; i--) {
            String group = led.get(i);
            if (now < groupNextMoveAt.getOrDefault(group, Long.MIN_VALUE)
                    || handsChangedInLastHour(group, now) >= MAX_MOVES_PER_GROUP_PER_HOUR) {
                continue;
            }
            Map<String, String> marks = marks(group); // null: not known, every candidate is taken to run it
            Map<String, String> refusedHere = refused.getOrDefault(group, Map.of());
            int fewest = Integer.MAX_VALUE;
            SortedSet<String> to = new TreeSet<>();
            for (Map.Entry<String, Long> candidate : candidateSince.entrySet()) {
                String name = candidate.getKey();
                MarkSeen process = marksSeen.get(name);
                if (name.equals(identity)
                        || unresponsive.containsKey(name)
                        || marks != null && !marks.containsKey(name)
                        || refusedHere.containsKey(name) && marks != null // unknown marks: no change to wait for
                        || now - candidate.getValue() < timings.leaseDurationNanos()
                        || process != null && now - process.since() < timings.leaseDurationNanos()) { // just started
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
            if (fewest != Integer.MAX_VALUE && leads - fewest >= 2) {
                // sorted: the election log and the simulation's trace name them in the same order in every run
                return Optional.of(new Move(group, leads, fewest, Collections.unmodifiableSortedSet(to)));
            }
        }
        return Optional.empty();
    }

    /**
     * Whether {@code name} leads a group, among those this replica runs, that it could hand to a candidate leading two
     * fewer that runs it. A replica that leads more but whose groups can go nowhere (only it runs them) does not hold
     * the others' moves up: if it can move a group this replica does not see, both move, and each move still balances.
     */
    private boolean canMove(String name, Map<String, Integer> loads, long now) {
        int from = loads.getOrDefault(name, 0);
        for (Map.Entry<String, String> entry : leaders.entrySet()) {
            if (!name.equals(entry.getValue())) {
                continue;
            }
            Map<String, String> marks = marks(entry.getKey());
            for (Map.Entry<String, Long> candidate : candidateSince.entrySet()) {
                String to = candidate.getKey();
                if (!to.equals(name)
                        && (marks == null || marks.containsKey(to))
                        && now - candidate.getValue() >= timings.leaseDurationNanos()
                        && from - loads.getOrDefault(to, 0) >= 2) {
                    return true;
                }
            }
        }
        return false;
    }

    private int handsChangedInLastHour(String group, long now) {
        ArrayDeque<Long> started = handsChanged.get(group);
        if (started == null) {
            return 0;
        }
        while (!started.isEmpty() && now - started.peekFirst() >= HOUR_NANOS) {
            started.pollFirst();
        }
        return started.size();
    }

    /** The refusals not reported yet, each once: who was handed which group and did not take it. */
    public synchronized List<Refusal> takeRefusals() {
        List<Refusal> taken = List.copyOf(newRefusals);
        newRefusals.clear();
        return taken;
    }

    /**
     * What this replica says on its marks: how many groups it leads in all, while it leads one that a replica it shares
     * groups with does not run, which that replica cannot count; otherwise nothing, as every replica counts what it
     * leads, and when every replica runs every group its marks are written once. A replica counts as sharing groups
     * once its mark has been seen on a Lease here for a retry period: a process marks the Leases of its groups as it
     * sees them, within about a retry period of its start, and a Lease it has not marked yet says nothing.
     */
    public synchronized OptionalInt leadsToSay(long now) {
        if (!enabled) {
            return OptionalInt.empty();
        }
        int leads = 0;
        boolean unseen = false;
        for (Map.Entry<String, String> entry : leaders.entrySet()) {
            if (!identity.equals(entry.getValue())) {
                continue;
            }
            leads++;
            Map<String, String> marks = marks(entry.getKey());
            for (String candidate : candidateSince.keySet()) {
                MarkSeen seen = marksSeen.get(candidate);
                unseen |= marks != null
                        && !marks.containsKey(candidate)
                        && !candidate.equals(identity)
                        && seen != null
                        && now - seen.since() >= timings.retryNanos(0);
            }
        }
        return unseen ? OptionalInt.of(leads) : OptionalInt.empty();
    }

    /** Whether {@code name} runs {@code group}, by its mark on the group's Lease (unknown marks: yes). */
    public synchronized boolean runs(String name, String group) {
        Map<String, String> marks = marks(group);
        return marks == null || marks.containsKey(name);
    }

    /**
     * The marks on {@code group}'s Lease of processes that still run (null: none seen): a mark of a Pod's older process
     * is left out when a newer one of the same Pod has been seen.
     */
    private Map<String, String> marks(String group) {
        Map<String, String> marks = runners.get(group);
        if (marks == null) {
            return null;
        }
        return currentMarks.computeIfAbsent(group, g -> {
            Map<String, String> current = new TreeMap<>();
            marks.forEach((name, mark) -> {
                MarkSeen newest = marksSeen.get(name);
                if (newest == null || processOf(mark) >= newest.process()) {
                    current.put(name, mark);
                }
            });
            return Collections.unmodifiableMap(current);
        });
    }

    /** The process part of a mark, {@code <process>.<view>} (0: a mark of another form). */
    static long processOf(String mark) {
        int dot = mark.indexOf('.');
        try {
            return dot < 0 ? 0 : Long.parseLong(mark.substring(0, dot), 36);
        } catch (NumberFormatException e) {
            return 0;
        }
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
    public synchronized void onMoveCancelled(String group) {
        if (moving != null && moving.group().equals(group)) {
            moving = null;
            released = false;
        }
    }

    /** The caller began to hand a group over: no other move until its Lease names someone else. */
    public synchronized void onMoveStarted(Move move) {
        moving = move;
        released = false;
    }

    /** Whether a move of this replica is under way: from its start until another replica holds the group. */
    public synchronized boolean moveUnderWay() {
        return moving != null;
    }

    /**
     * Groups led per candidate (0 for a candidate that leads none): those this replica sees it lead, or the number it
     * says it leads in all on a mark, if more.
     */
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
            // the groups they lead that this replica does not run, said by their current processes (a crashed one's
            // marks stay on the Leases of groups its next process may not run)
            said.forEach((group, leads) -> {
                Map<String, String> current = marks(group);
                leads.forEach((name, count) -> {
                    if (!name.equals(identity)
                            && candidates.contains(name)
                            && current != null
                            && current.containsKey(name)) {
                        counted.merge(name, count, Math::max);
                    }
                });
            });
            loads = Collections.unmodifiableMap(counted);
        }
        return loads;
    }

    /** Its state, for traces: loads as counted here, and who is left out of moves. */
    @Override
    public synchronized String toString() {
        return "Balancer[" + identity + " loads=" + loads(candidateSince.keySet()) + " unresponsive="
                + unresponsive.keySet()
                + " refused=" + refused + " leaders=" + leaders + " said=" + said + " marksSeen=" + marksSeen
                + " moving=" + moving + " nextMoveAt=" + nextMoveAt + " lastChangeAt="
                + lastChangeAt + "]";
    }
}
