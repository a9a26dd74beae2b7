package io.k8sensus.sim;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.k8sensus.elector.Answer;
import io.k8sensus.elector.Balancer;
import io.k8sensus.elector.Elector;
import io.k8sensus.elector.GroupTurn;
import io.k8sensus.elector.Handover;
import io.k8sensus.elector.LeaseRecord;
import io.k8sensus.elector.LeaseRequest;
import io.k8sensus.elector.Timings;
import io.k8sensus.tools.CommandLine;

/**
 * Balancing under faults, deterministically: R replicas, each with the real {@link Elector} of every one of G groups,
 * the real {@link Balancer} and one real {@link Handover} per group, driven as the application drives them (one
 * driver per group and replica, one request at a time), on virtual time, against a simulated API server with G Leases
 * and the real optimistic-concurrency rules. Replicas start at random times (the first to start takes the most);
 * then random crashes (Pod deleted or left Ready), graceful stops, pauses and restarts. A handover waits for a random
 * number of exchanges in flight, each completing after a random time, sometimes longer than the lease (abandoned).
 * <p>
 * Checked after every call: in each group, no two processes may act at once and every new term's epoch is above the
 * last. Once the faults are over and every replica runs: within the bound every group is led and the replicas lead
 * ⌊G/R⌋ or ⌈G/R⌉ each; after that, no group moves again (no flapping) and the placement stays balanced.
 * {@link #boundMs} is the bound.
 */
final class BalanceSimulation {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    static final Timings TIMINGS = new Timings(3000, 2000, 500, 1.2);
    /**
     * The bound, in lease durations, after the last fault: a lease for a returning replica to count, five for a
     * candidate left out of moves (it let a handover go) to count again, and two per group for its move (one whose
     * exchanges outlast a lease is abandoned, then tried again a lease later); plus two lease durations for every
     * move abandoned after the faults.
     */
    static long boundMs(int groups) {
        return (6 + 2L * groups) * TIMINGS.leaseDurationMs();
    }
    private static final long STABLE_MS = 20_000;

    /** A drawn schedule: how many replicas and groups, when each starts, and the faults. */
    record Schedule(long seed, int replicas, int groups, long[] startMs, List<Fault> faults, long faultsEndMs) {

        static Schedule draw(long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            int replicas = 2 + r.nextInt(4);
            int groups = 1 + r.nextInt(12);
            long[] starts = new long[replicas];
            for (int i = 0; i < replicas; i++) {
                starts[i] = i == 0 ? 0 : r.nextLong(8000);
            }
            List<Fault> faults = new ArrayList<>();
            long at = 10_000;
            int count = r.nextInt(5);
            for (int i = 0; i < count; i++) {
                at += r.nextLong(6000);
                Fault.Kind kind = switch (r.nextInt(4)) {
                    case 0 -> Fault.Kind.CRASH;
                    case 1 -> Fault.Kind.GRACEFUL_STOP;
                    case 2 -> Fault.Kind.PAUSE;
                    default -> Fault.Kind.POD_NOT_READY;
                };
                long length = 500 + r.nextLong(kind == Fault.Kind.PAUSE ? 6000 : 10_000);
                faults.add(new Fault(kind, r.nextInt(replicas), at, at + length, r.nextInt(2)));
            }
            long end = faults.stream().mapToLong(Fault::untilMs).max().orElse(at);
            return new Schedule(seed, replicas, groups, starts, List.copyOf(faults), Math.max(end, at));
        }
    }

    /** What a run found: the violation (null: none), and the moves made after the faults. */
    record Outcome(long seed, String violation, int moves, int movesAfterFaults, long convergedAfterMs) {
    }

    private final Schedule schedule;
    private final StringBuilder trace;
    private final SplittableRandom random;
    private final VirtualTime time = new VirtualTime();
    private String violation;

    private final Map<String, LeaseRecord> leases = new TreeMap<>();
    private long version;
    private long stamps;
    private final boolean[] podReady;
    private final List<Process> processes = new ArrayList<>();
    private final Map<String, List<Window>> windows = new HashMap<>();
    private final Map<String, Long> highestEpoch = new HashMap<>();
    private int moves;
    private int movesAfterFaults;
    private int abandonsAfterFaults;
    /** Terms released for balance (a move started may still be called off before). */
    private int releases;
    private long faultsEnd;
    private long convergedAt = -1;

    private final boolean balance;

    private BalanceSimulation(Schedule schedule, StringBuilder trace, boolean balance) {
        this.balance = balance;
        this.schedule = schedule;
        this.trace = trace;
        this.random = new SplittableRandom(schedule.seed() ^ 0x9E3779B97F4A7C15L);
        this.podReady = new boolean[schedule.replicas()];
    }

    static Outcome run(Schedule schedule, StringBuilder trace) {
        return new BalanceSimulation(schedule, trace, true).run();
    }

    /** A run with balancing switched off in every replica: the check that the balance invariant can fail. */
    static Outcome runWithoutBalancing(Schedule schedule) {
        return new BalanceSimulation(schedule, null, false).run();
    }

    /**
     * {@code make simulate-balance}: {@code --schedules N} runs seeds 1..N (default 100,000) and prints a summary;
     * {@code --seed N} replays one schedule and prints every step.
     */
    public static void main(String[] args) {
        CommandLine line = CommandLine.parseOrExit(args, List.of("--seed", "--schedules"), List.of(),
                "Usage: make simulate-balance ARGS=\"[--schedules N | --seed N]\"");
        if (line.has("--seed")) {
            long seed = line.number("--seed", 0);
            StringBuilder trace = new StringBuilder();
            Schedule schedule = Schedule.draw(seed);
            Outcome outcome = run(schedule, trace);
            System.out.print(trace);
            System.out.println(schedule.replicas() + " replicas, " + schedule.groups() + " groups, starts "
                               + java.util.Arrays.toString(schedule.startMs()) + ", faults " + schedule.faults());
            System.out.println(outcome);
            System.exit(outcome.violation() == null ? 0 : 1);
        }
        long schedules = line.number("--schedules", 100_000);
        Outcome[] outcomes = java.util.stream.LongStream.rangeClosed(1, schedules).parallel()
                .mapToObj(seed -> run(Schedule.draw(seed), null)).toArray(Outcome[]::new);
        long violations = java.util.Arrays.stream(outcomes).filter(o -> o.violation() != null).count();
        java.util.Arrays.stream(outcomes).filter(o -> o.violation() != null).limit(5)
                .forEach(o -> System.out.println("seed " + o.seed() + ": " + o.violation()));
        long[] converged = java.util.Arrays.stream(outcomes).mapToLong(Outcome::convergedAfterMs).filter(ms -> ms >= 0)
                .sorted().toArray();
        System.out.printf("%d schedules, %d violations; moves %d (after the faults %d); balanced after the faults:"
                          + " median %d ms, max %d ms%n", schedules, violations,
                java.util.Arrays.stream(outcomes).mapToLong(Outcome::moves).sum(),
                java.util.Arrays.stream(outcomes).mapToLong(Outcome::movesAfterFaults).sum(),
                converged.length == 0 ? -1 : converged[converged.length / 2],
                converged.length == 0 ? -1 : converged[converged.length - 1]);
        System.exit(violations == 0 ? 0 : 1);
    }

    private List<String> groups() {
        List<String> groups = new ArrayList<>();
        for (int g = 0; g < schedule.groups(); g++) {
            groups.add("g" + g);
        }
        return groups;
    }

    private Outcome run() {
        for (int i = 0; i < schedule.replicas(); i++) {
            int index = i;
            at(schedule.startMs()[i] * MS, () -> {
                setPod(index, true);
                start(index);
            });
        }
        for (Fault fault : schedule.faults()) {
            at(fault.atMs() * MS, () -> inject(fault));
        }
        faultsEnd = Math.max(schedule.faultsEndMs(), max(schedule.startMs())) * MS;
        long endAt = faultsEnd + (3 * boundMs(schedule.groups()) + STABLE_MS) * MS;
        at(faultsEnd, () -> {
            for (int i = 0; i < podReady.length; i++) {
                setPod(i, true);
                if (current(i) == null) {
                    start(i);
                } else if (current(i).stopping) {
                    restartOnceGone(i); // stopped during a pause: it stops when it wakes, and comes back
                }
            }
        });
        while (violation == null) {
            int releasesBefore = releases;
            if (!time.runNext(endAt)) {
                break;
            }
            if (now() <= faultsEnd || violation != null) {
                continue;
            }
            if (convergedAt >= 0 && now() > convergedAt + STABLE_MS * MS) {
                break; // balanced and stable for long enough
            }
            String unbalanced = unbalanced();
            if (convergedAt < 0 && unbalanced == null && !moveUnderWay()) {
                convergedAt = now();
            } else if (convergedAt >= 0 && (unbalanced != null || releases > releasesBefore)) {
                fail("balanced, then not any more: " + (unbalanced != null ? unbalanced : "a group moves again"));
            }
            // the bound, plus two lease durations for every move abandoned after the faults
            long bound = faultsEnd + (boundMs(schedule.groups())
                                      + 2 * abandonsAfterFaults * TIMINGS.leaseDurationMs()) * MS;
            if (convergedAt < 0 && now() > bound) {
                fail("not balanced " + (now() - faultsEnd) / MS + " ms after the faults (" + abandonsAfterFaults
                     + " moves abandoned): " + unbalanced);
            }
        }
        return new Outcome(schedule.seed(), violation, moves, movesAfterFaults,
                convergedAt < 0 ? -1 : (convergedAt - faultsEnd) / MS);
    }

    private boolean moveUnderWay() {
        for (Process p : processes) {
            if (p.alive && p.balancer.moveUnderWay()) {
                return true;
            }
        }
        return false;
    }

    private static long max(long[] values) {
        long m = 0;
        for (long v : values) {
            m = Math.max(m, v);
        }
        return m;
    }

    /** Why the placement is not balanced now (null: it is): a group without a live leader, or loads apart by 2. */
    private String unbalanced() {
        Map<String, Integer> loads = new TreeMap<>();
        for (int i = 0; i < podReady.length; i++) {
            Process p = current(i);
            if (p == null || !podReady[i] || now() < p.pausedUntil || p.stopping) {
                return "r" + i + " is not running";
            }
            loads.put(p.name, 0);
        }
        for (String group : groups()) {
            // led: a running process holds the term (a Lease naming a dead process's term is not led)
            String leader = null;
            for (int i = 0; i < podReady.length; i++) {
                Process p = current(i);
                if (p.turns.get(group).elector().mayAct(now())) {
                    leader = p.name;
                }
            }
            if (leader == null) {
                return group + " has no leader";
            }
            loads.merge(leader, 1, Integer::sum);
        }
        int most = loads.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int fewest = loads.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        return most - fewest <= 1 ? null : "groups led " + loads;
    }

    // ------------------------------------------------------------------------------------------ processes

    private final class Process extends VirtualTime.Process {
        final int index;
        final String name;
        final int incarnation;
        final Balancer balancer;
        /** Each group's elector and handover, turned as the application turns them. */
        final Map<String, GroupTurn> turns = new TreeMap<>();
        final Map<String, Long> pending = new HashMap<>();
        final Map<String, Long> wakeTokens = new HashMap<>();
        final Map<String, Long> lastWatchAt = new HashMap<>();
        final Map<String, Integer> inFlight = new HashMap<>();
        final Map<String, Window> window = new HashMap<>();
        /** Groups whose elector, once stopping, had nothing more to send. */
        final Set<String> doneStopping = new TreeSet<>();
        long lastPodWatchAt;
        long requestIds;
        boolean stopping;

        Process(int index, int incarnation) {
            this.index = index;
            this.name = "r" + index;
            this.incarnation = incarnation;
            this.balancer = new Balancer(name, TIMINGS, balance);
            SplittableRandom jitter = random.split();
            for (String group : groups()) {
                Elector elector = new Elector(name, TIMINGS, jitter::nextDouble, e -> log(this, group + " " + e));
                turns.put(group, new GroupTurn(group, elector, balancer));
            }
        }

        @Override
        public String toString() {
            return name + "#" + incarnation;
        }
    }

    private void start(int index) {
        int incarnation = (int) processes.stream().filter(p -> p.index == index).count();
        Process p = new Process(index, incarnation);
        processes.add(p);
        log(p, "starts");
        deliverCandidates(p);
        for (String group : groups()) {
            p.turns.get(group).onWatch(true);
            LeaseRecord listed = leases.get(group);
            long listAt = now() + latency();
            p.lastWatchAt.put(group, listAt);
            at(p, listAt, () -> observe(p, group, listed));
            at(p, now() + MS, () -> drive(p, group));
        }
    }

    /** Runs the action for process {@code p} at {@code when}, unless it has died; later if it is paused then. */
    private void at(Process p, long when, Runnable action) {
        time.at(p, when, action);
    }

    /** One turn of a group's driver: the balancing step, then the elector's, as LeaseElectionView does. */
    private void drive(Process p, String group) {
        GroupTurn turn = p.turns.get(group);
        Handover handover = turn.handover();
        if (p.stopping && !handover.underWay()) {
            turn.stop(now(), true); // the view's stop, once the group's own work is done
        }
        if (!p.pending.containsKey(group)) {
            GroupTurn.Turn t = turn.step(now(), () -> p.inFlight.getOrDefault(group, 0));
            Handover.Step step = t.handover();
            if (step == Handover.Step.STARTED && handover.cause() == Handover.Cause.BALANCE) {
                moves++;
                if (now() > faultsEnd) {
                    movesAfterFaults++;
                }
                log(p, group + " hands over: " + handover.move());
                drain(p, group);
            } else if (step == Handover.Step.STARTED) {
                log(p, group + " hands over: " + handover.cause());
                drain(p, group);
            } else if (step != Handover.Step.NONE) {
                log(p, group + " handover: " + step);
                if (step == Handover.Step.ABANDONED && now() > faultsEnd) {
                    abandonsAfterFaults++;
                }
                if (step == Handover.Step.RELEASING && handover.cause() == Handover.Cause.BALANCE) {
                    releases++;
                }
            }
            afterCall(p, group);
            LeaseRequest request = t.request();
            if (request != null) {
                send(p, group, request);
                return;
            }
            if (p.stopping && !handover.underWay()) {
                p.doneStopping.add(group);
            }
        }
        if (p.stopping && p.doneStopping.size() == schedule.groups() && p.pending.isEmpty()) {
            exit(p, "stopped");
            return;
        }
        if (p.pending.containsKey(group)) {
            return;
        }
        long next = Math.max(now() + 1, turn.nextStepAt(now()));
        long token = p.wakeTokens.merge(group, 1L, Long::sum);
        at(p, next, () -> {
            if (p.wakeTokens.get(group) == token) {
                drive(p, group);
            }
        });
    }

    /** The group's exchanges in flight when its move starts: 0 to 3, each done after up to 1.5 lease durations. */
    private void drain(Process p, String group) {
        int count = random.nextInt(4);
        p.inFlight.merge(group, count, Integer::sum); // with any still in flight from an abandoned move
        for (int i = 0; i < count; i++) {
            long done = random.nextInt(10) == 0 ? TIMINGS.leaseDurationNanos() * 3 / 2 : random.nextLong(300 * MS);
            at(p, now() + done, () -> p.inFlight.merge(group, -1, Integer::sum));
        }
    }

    private void observe(Process p, String group, LeaseRecord record) {
        p.turns.get(group).onLease(record, now());
        afterCall(p, group);
        drive(p, group);
    }

    private void exit(Process p, String why) {
        log(p, "exits: " + why);
        p.alive = false;
        for (String group : groups()) {
            closeWindow(p, group);
        }
    }

    // ------------------------------------------------------------------------------------------ requests

    private void send(Process p, String group, LeaseRequest request) {
        long id = ++p.requestIds;
        p.pending.put(group, id);
        log(p, group + " -> " + request);
        at(now() + latency(), () -> {
            Answer answer = apply(group, request);
            at(p, now() + latency(), () -> answer(p, group, id, request, answer));
        });
    }

    private void answer(Process p, String group, long id, LeaseRequest request, Answer answer) {
        Long pendingId = p.pending.get(group);
        if (pendingId == null || pendingId != id) {
            return;
        }
        p.pending.remove(group);
        log(p, group + " <- " + answer);
        p.turns.get(group).answered(request, answer, now());
        afterCall(p, group);
        drive(p, group);
    }

    /** The API server applies a request to a group's Lease, with the real concurrency rules. */
    private Answer apply(String group, LeaseRequest request) {
        LeaseRecord lease = leases.get(group);
        if (request instanceof LeaseRequest.Read) {
            return new Answer.Ok(lease);
        }
        if (request instanceof LeaseRequest.Create create) {
            if (lease != null) {
                return new Answer.Conflict();
            }
            String stamp = "t" + (++stamps);
            return commit(group, new LeaseRecord(create.holder(), create.epoch(), stamp, stamp,
                    create.leaseDurationSeconds() * 1000L, null));
        }
        if (lease == null) {
            return new Answer.NotFound();
        }
        if (request instanceof LeaseRequest.Acquire acquire) {
            if (!lease.version().equals(acquire.baseVersion())) {
                return new Answer.Conflict();
            }
            String stamp = "t" + (++stamps);
            return commit(group, new LeaseRecord(acquire.holder(), acquire.epoch(), stamp, stamp,
                    acquire.leaseDurationSeconds() * 1000L, null));
        }
        if (request instanceof LeaseRequest.Renew renew) {
            LeaseRecord t = renew.term();
            if (!lease.version().equals(t.version())) {
                return new Answer.Conflict();
            }
            return commit(group, new LeaseRecord(t.holder(), t.epoch(), t.acquireTime(), "t" + (++stamps),
                    t.leaseDurationMs(), null));
        }
        if (request instanceof LeaseRequest.Release release) {
            LeaseRecord t = release.term();
            if (!lease.version().equals(t.version())) {
                return new Answer.Conflict();
            }
            return commit(group, new LeaseRecord(null, t.epoch(), null, null, 0, null));
        }
        return new Answer.Conflict(); // restores and epoch raises need a deleted Lease: not in these schedules
    }

    private Answer commit(String group, LeaseRecord written) {
        LeaseRecord lease = written.withVersion(String.valueOf(++version));
        leases.put(group, lease);
        if (trace != null) {
            trace.append(String.format("%9.3f  api   %s is now %s%n", now() / 1e6, group, lease));
        }
        for (Process p : processes) {
            if (!p.alive) {
                continue;
            }
            long deliverAt = Math.max(p.lastWatchAt.getOrDefault(group, 0L), now() + latency());
            p.lastWatchAt.put(group, deliverAt);
            at(p, deliverAt, () -> observe(p, group, lease));
        }
        return new Answer.Ok(lease);
    }

    private void deliverCandidates(Process p) {
        Set<String> ready = new TreeSet<>();
        for (int i = 0; i < podReady.length; i++) {
            if (podReady[i]) {
                ready.add("r" + i);
            }
        }
        long deliverAt = Math.max(p.lastPodWatchAt, now() + latency());
        p.lastPodWatchAt = deliverAt;
        at(p, deliverAt, () -> {
            for (String group : groups()) {
                p.turns.get(group).onCandidates(ready, now());
                afterCall(p, group);
                drive(p, group);
            }
        });
    }

    private void setPod(int index, boolean ready) {
        if (podReady[index] != ready) {
            podReady[index] = ready;
            processes.stream().filter(q -> q.alive).forEach(this::deliverCandidates);
        }
    }

    private long latency() {
        return MS + random.nextLong(20 * MS);
    }

    // ------------------------------------------------------------------------------------------ faults

    private Process current(int index) {
        for (int i = processes.size() - 1; i >= 0; i--) {
            Process p = processes.get(i);
            if (p.index == index && p.alive) {
                return p;
            }
        }
        return null;
    }

    private void inject(Fault fault) {
        if (trace != null) {
            trace.append(String.format("%9.3f  FAULT %s%n", now() / 1e6, fault));
        }
        Process p = current(fault.replica());
        long until = fault.untilMs() * MS;
        switch (fault.kind()) {
            case CRASH -> {
                if (p != null) {
                    exit(p, "killed");
                }
                if (fault.param() == 1) {
                    setPod(fault.replica(), false); // the Pod is deleted; else it stays Ready for a while
                }
                at(until, () -> {
                    setPod(fault.replica(), true);
                    if (current(fault.replica()) == null) {
                        start(fault.replica());
                    }
                });
            }
            case GRACEFUL_STOP -> {
                if (p != null) {
                    Process stopping = p;
                    at(p, now(), () -> {
                        // SIGTERM: each group drains and releases on its own, then the view stops
                        stopping.stopping = true;
                        stopping.turns.values().forEach(GroupTurn::onStopping);
                        for (String group : groups()) {
                            drive(stopping, group);
                        }
                    });
                }
                at(until, () -> restartOnceGone(fault.replica()));
            }
            case PAUSE -> {
                if (p != null) {
                    p.pausedUntil = until;
                }
            }
            case POD_NOT_READY -> {
                setPod(fault.replica(), false);
                at(until, () -> setPod(fault.replica(), true));
            }
            default -> throw new IllegalArgumentException("not drawn here: " + fault);
        }
    }

    private void restartOnceGone(int index) {
        if (current(index) == null) {
            start(index);
        } else {
            at(now() + 50 * MS, () -> restartOnceGone(index));
        }
    }

    // ------------------------------------------------------------------------------------------ invariants

    private static final class Window {
        final Process process;
        final long epoch;
        final long start;
        long end;

        Window(Process process, long epoch, long start, long end) {
            this.process = process;
            this.epoch = epoch;
            this.start = start;
            this.end = end;
        }

        @Override
        public String toString() {
            return process + " epoch " + epoch + " [" + String.format("%.3f", start / 1e6) + ", "
                   + String.format("%.3f", end / 1e6) + ") ms";
        }
    }

    /** After every call to a group's elector: its term's window, the overlap and epoch checks, and the balancer. */
    private void afterCall(Process p, String group) {
        Elector e = p.turns.get(group).elector();
        p.turns.get(group).reportLeader(now());
        if (!e.leads()) {
            closeWindow(p, group);
            return;
        }
        long end = e.mayActUntil();
        Window w = p.window.get(group);
        List<Window> all = windows.computeIfAbsent(group, g -> new ArrayList<>());
        if (w == null || w.epoch != e.epoch()) {
            closeWindow(p, group);
            w = new Window(p, e.epoch(), now(), end);
            log(p, group + " ACTS in epoch " + e.epoch());
            long highest = highestEpoch.getOrDefault(group, -1L);
            if (e.epoch() <= highest) {
                fail(group + ": term " + w + " has epoch " + e.epoch() + ", not above the " + highest + " before");
            }
            highestEpoch.put(group, Math.max(highest, e.epoch()));
            p.window.put(group, w);
            all.add(w);
        } else {
            w.end = Math.max(w.end, end);
        }
        for (Window other : all) {
            if (other.process != p && other.start < w.end && w.start < other.end) {
                fail(group + ": two processes may act at once: " + other + " and " + w);
            }
        }
    }

    private void closeWindow(Process p, String group) {
        Window w = p.window.remove(group);
        if (w != null) {
            w.end = Math.min(w.end, now());
        }
    }

    private void fail(String what) {
        if (violation == null) {
            violation = what;
            log(null, "VIOLATION " + what);
        }
    }

    // ------------------------------------------------------------------------------------------ events

    private void at(long when, Runnable action) {
        time.at(when, action);
    }

    private long now() {
        return time.now();
    }

    private void log(Process p, String what) {
        if (trace != null) {
            trace.append(String.format("%9.3f  %-5s %s%n", now() / 1e6, p == null ? "" : p.toString(), what));
        }
    }
}
