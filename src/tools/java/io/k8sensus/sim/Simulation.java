package io.k8sensus.sim;

import io.k8sensus.elector.Answer;
import io.k8sensus.elector.Balancer;
import io.k8sensus.elector.ElectionEvent;
import io.k8sensus.elector.Elector;
import io.k8sensus.elector.GroupTurn;
import io.k8sensus.elector.Handover;
import io.k8sensus.elector.LeaseRecord;
import io.k8sensus.elector.LeaseRequest;
import io.k8sensus.elector.Timings;
import io.k8sensus.kube.RunnerMarks;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The simulated world: one run of a {@link Schedule}. Its replicas run what the jar runs, the real {@link GroupTurn} of
 * every group (the {@link Elector}, the group's {@link Handover}) with the replica's real {@link Balancer}, and each
 * group's leader-only route (its delegate consumer, its exchanges, the term's gate); in one thread, on virtual time,
 * against the {@link SimulatedApiServer}. Everything random is drawn from the schedule's seed, so a run replays
 * exactly. The election's schedules ({@link Schedule#draw}) and balancing's ({@link Schedule#drawBalance}) run in this
 * same world; the second adds the placement's checks.
 * <p>
 * A request takes a latency to arrive and is applied then; its answer takes another to come back, and may be lost or
 * come after the caller has given up (its call timeout), as a real client sees it. Watches deliver every change to
 * every replica in order, late under a fault, sometimes twice, and re-list after they were down. Each replica's
 * monotonic clock runs at its own rate; a paused process handles nothing until it resumes, while its clock runs on.
 * <p>
 * The {@link TermHistory} checks after every call: in each group no two processes may act at one instant (may act = a
 * term whose renew deadline has not passed on the process's own clock, mapped back to virtual time), every new term's
 * epoch is above every earlier term's, no exchange starts outside its term's window; and once the faults are over,
 * every group is led within the schedule's bound.
 */
final class Simulation {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    /** More requests than this for one group from one process in one virtual second is a hot loop (a leader: 2). */
    private static final int MAX_REQUESTS_PER_SECOND = 50;
    /**
     * The longest a group may be dark between its release for balance and the next term, once the faults are over:
     * the target sees the release and takes it at once; if it does not, the mover takes it back after its deference
     * (three retry periods at most, 1.2 jitter), plus the watch and the requests.
     */
    static final long MOVE_DARK_BOUND_MS = 4 * 500 * 12 / 10 + 500;
    /** How long a balanced placement must stay as it is before a balancing run ends. */
    private static final long STABLE_MS = 20_000;

    private final Schedule schedule;
    private final Gate gate;
    private final boolean balancing;
    private final StringBuilder trace;
    private final SplittableRandom random;
    /** The work's draws, apart, so that the election's draws stay those of the seed without it. */
    private final SplittableRandom workRandom;

    private final VirtualTime time = new VirtualTime();
    private final SimulatedApiServer api;
    private final TermHistory history;
    private final List<String> groups;
    private final boolean[] podReady;
    /** Replicas waiting for their process to exit, to start it again. */
    private final boolean[] restarting;
    /** The groups each replica runs now (its route files): a restart runs these, a reload changes them. */
    private final List<Set<String>> runs = new ArrayList<>();
    /** Per replica and group, when its process stopped running the group (a reload): moves to it after are wrong. */
    private final Map<String, Long> stoppedRunningAt = new TreeMap<>();
    /** Per group, when its leader released it for balance and nobody acts in it yet (none: not dark for balance). */
    private final Map<String, Long> darkForBalanceSince = new TreeMap<>();
    /** Per group, the move released last: who released it, and to whom, until someone takes the group. */
    private final Map<String, Balancer.Move> releasedMove = new TreeMap<>();

    private final Map<String, Process> releasedBy = new TreeMap<>();
    /**
     * Targets that were handed a group and let it go back to its mover twice, by "group/target/mark of the target's
     * view then": the rule says the group is not offered to them again until that view is replaced, so the placement
     * check does not expect that move (kept by the checker itself, not read from the balancer).
     */
    private final Set<String> refusedMoves = new TreeSet<>();
    /** How many times each "group/target/mark" let a group handed to it go back to its mover. */
    private final Map<String, Integer> declines = new TreeMap<>();
    /** Groups whose move under way goes to a target known only by a mark its crashed process left. */
    private final Set<String> movesOnCrashMarks = new TreeSet<>();

    private int viewsStarted;
    /** The processes; a restart or a twin is a new process under the same name. */
    private final List<Process> processes = new ArrayList<>();

    private final List<Fault> activeFaults = new ArrayList<>();
    private long eventCount;

    // what the work did
    private long refused;
    private long inFlightOverlaps;
    /** Drains that hit their bound: the Pod left the candidates and the work outlasted a lease duration. */
    private long releasesWithWork;

    // what balancing did
    private int moves;
    private int movesAfterFaults;
    private int abandonsAfterFaults;
    /** Terms released for balance (a move started may still be called off before). */
    private int releasesForBalance;

    private final Map<String, Long> releasedForBalanceAt = new TreeMap<>();
    private long faultsEnd;
    private long convergedAt = -1;

    private Simulation(Schedule schedule, StringBuilder trace, Gate gate, boolean balancing) {
        this.schedule = schedule;
        this.gate = gate;
        this.balancing = balancing;
        this.trace = trace;
        this.random = new SplittableRandom(schedule.seed() ^ 0x5DEECE66DL);
        this.workRandom = new SplittableRandom(schedule.seed() ^ 0x77_6F_72_6BL);
        this.api = new SimulatedApiServer(this::publish, time::now, trace);
        this.history = new TermHistory(time::now, trace);
        this.groups = schedule.groupNames();
        this.podReady = new boolean[schedule.timings().size()];
        this.restarting = new boolean[podReady.length];
        for (Set<String> initial : schedule.runs()) {
            runs.add(new TreeSet<>(initial));
        }
    }

    /** The exchange gate the routes run behind: the shipped one, or one broken on purpose to show the checks fail. */
    enum Gate {
        /** As {@code TermGate}: the term, and the clock against its renew deadline. */
        AS_SHIPPED,
        /** Broken: the term only, not the clock (an exchange offered after the deadline, before the term ends, runs). */
        IGNORES_CLOCK
    }

    /** Runs a schedule; with a {@code trace}, writes every step into it. */
    static Outcome run(Schedule schedule, StringBuilder trace) {
        return run(schedule, trace, Gate.AS_SHIPPED);
    }

    static Outcome run(Schedule schedule, StringBuilder trace, Gate gate) {
        return new Simulation(schedule, trace, gate, true).run();
    }

    /** A run with balancing switched off in every replica: the check that the balance invariant can fail. */
    static Outcome runWithoutBalancing(Schedule schedule) {
        return new Simulation(schedule, null, Gate.AS_SHIPPED, false).run();
    }

    private Outcome run() {
        for (int i = 0; i < podReady.length; i++) {
            int index = i;
            at(schedule.startMs()[i] * MS, () -> {
                setPod(index, true);
                start(index);
            });
        }
        for (Fault fault : schedule.faults()) {
            at(fault.atMs() * MS, () -> inject(fault));
        }
        faultsEnd = schedule.faultsEndMs() * MS;
        at(faultsEnd, () -> {
            // the faults are over: every replica runs (a crash of one of two twins may have left none) and is Ready
            for (int i = 0; i < podReady.length; i++) {
                setPod(i, true);
                Process p = current(i);
                if (p == null || p.stopping) {
                    restartOnceGone(i); // stopped during a pause: it stops when it wakes, and comes back
                }
            }
        });
        if (schedule.balanceChecked()) {
            runUntilBalancedAndStable();
        } else {
            long checkAt = faultsEnd + schedule.boundMs() * MS;
            long endAt = checkAt + 2 * schedule.maxLeaseMs() * MS;
            String withinBound = "within the bound of " + schedule.boundMs() + " ms after the faults ended";
            at(checkAt, () -> checkEveryGroupLed(withinBound));
            at(endAt, () -> checkEveryGroupLed("at the end"));
            while (history.violation() == null && time.runNext(endAt)) {
                eventCount++;
            }
        }
        return new Outcome(
                schedule.seed(),
                history.violation(),
                history.limitation(),
                history.terms(),
                eventCount,
                schedule.faults().size(),
                history.exchanges(),
                refused,
                history.fenced(),
                inFlightOverlaps,
                releasesWithWork,
                moves,
                movesAfterFaults,
                convergedAt < 0 ? -1 : (convergedAt - faultsEnd) / MS);
    }

    /**
     * Balancing's end: within its bound after the faults every group is led and the replicas lead ⌊G/R⌋ or ⌈G/R⌉
     * each (two lease durations more for every move abandoned after the faults); from then on no group moves again
     * and the placement stays balanced, for {@link #STABLE_MS}.
     */
    private void runUntilBalancedAndStable() {
        long endAt = faultsEnd + (3 * schedule.balanceBoundMs() + STABLE_MS) * MS;
        while (history.violation() == null) {
            int releasesBefore = releasesForBalance;
            if (!time.runNext(endAt)) {
                break;
            }
            eventCount++;
            if (now() <= faultsEnd || history.violation() != null) {
                continue;
            }
            if (convergedAt >= 0 && now() > convergedAt + STABLE_MS * MS) {
                break;
            }
            String unbalanced = unbalanced();
            if (convergedAt < 0 && unbalanced == null && !moveUnderWay()) {
                convergedAt = now();
                log(null, () -> "BALANCED: " + ledNow());
            } else if (convergedAt >= 0
                    && (unbalanced != null || releasesForBalance > releasesBefore)
                    && movesOnCrashMarks.stream().noneMatch(group -> (group + " has no leader").equals(unbalanced))) {
                history.violation(
                        "balanced, then not any more: " + (unbalanced != null ? unbalanced : "a group moves again"));
            }
            long bound = faultsEnd + (schedule.balanceBoundMs() + abandonsWaitMs()) * MS;
            if (convergedAt < 0 && now() > bound) {
                if (trace != null) {
                    processes.stream().filter(p -> p.alive).forEach(p -> log(p, p.balancer + " at " + p.local()));
                    groups.forEach(
                            group -> log(null, group + " marks " + api.runners(group) + ", " + api.lease(group)));
                }
                history.violation("not balanced " + (now() - faultsEnd) / MS + " ms after the faults ("
                        + abandonsAfterFaults + " moves abandoned): " + unbalanced);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ processes

    /** One process of a replica: its clock, its balancer, and its groups. */
    private final class Process extends VirtualTime.Process {
        final int index;
        final String name;
        /** The annotation its marks go under ({@link RunnerMarks#key}). */
        final String markKey;

        final int incarnation;
        final double rate;
        final long offset;
        final Balancer balancer;
        final Map<String, Group> groups = new TreeMap<>();
        boolean stopping;
        final SplittableRandom jitter;
        /** What it last said it leads on its marks. */
        OptionalInt leadsSaid = OptionalInt.empty();

        long lastPodWatchAt;
        /** Its Pod watch is up and delivers nothing: its driver reads around it by listing (as CandidatePods does). */
        boolean podWatchSilent;

        long podsListedAt;
        /** The candidates its groups were last told of. */
        Set<String> podsSeen = Set.of();

        long requestIds;

        Process(int index, int incarnation) {
            this.index = index;
            this.name = "r" + index;
            this.markKey = RunnerMarks.key(name);
            this.incarnation = incarnation;
            this.rate = schedule.rates()[index];
            this.offset = random.nextLong(1L << 40);
            this.balancer = new Balancer(name, timings(), balancing);
            this.jitter = random.split();
            for (String group : runs.get(index)) {
                groups.put(group, new Group(this, group));
            }
        }

        long local() {
            return offset + (long) (now() * rate);
        }

        /** The virtual time at which this process's clock shows {@code local}. */
        long virtual(long local) {
            return (long) Math.ceil((local - offset) / rate);
        }

        Timings timings() {
            return schedule.timings().get(index);
        }

        @Override
        public String toString() {
            return name + "#" + incarnation;
        }
    }

    /** One group on one process: its turn (elector, handover, the process's balancer), its route, its driver's state. */
    private final class Group {
        final Process p;
        final String name;
        final Elector elector;
        final GroupTurn turn;
        final Work work;
        final String actor;
        long wakeToken;
        int idleSpins;
        /** The requests out, by id: renewals, and at most one other, which the driver's loop waits for. */
        final Set<Long> pending = new HashSet<>();
        /** The request the loop waits for (0: none): renewals go out on their own thread and block nothing. */
        long loopRequest;

        long renewToken;
        long renewScheduledFor = Long.MIN_VALUE;
        long rateWindowStart;
        int requestsInWindow;
        long lastWatchAt;
        boolean watchUp = true;
        boolean sawLease;
        long highestSeen = -1;
        boolean blindCreate;
        /** The terms ({@link TermHistory#term}) this process has seen in this group's Lease. */
        final Set<String> seenTerms = new HashSet<>();

        boolean blindAcquire;
        /** The newest version of the Lease this process has seen, restores from a backup left out. */
        long newestSeenVersion = -1;
        /** Whether it has seen a record that a replica wrote (not one written by hand). */
        boolean sawReplicasWrite;

        LeaseRecord newestSeen;
        /** Whether an operator's request to step down names this process's term (cleared when the term ends). */
        boolean stepDownAsked;
        /** When this process first saw the group's Lease (or its absence): -1, not yet. */
        long firstSawAt = -1;

        boolean doneStopping;
        /** This group's view stops: the process stops, or the group's route file was removed. */
        boolean stopping;
        /** When this process last asked for its runner mark on the Lease (at most once per retry period). */
        long markAskedAt = Long.MIN_VALUE;

        boolean markLater;
        /** The marks on the Lease as this view last saw it (annotation to value; null: no Lease seen). */
        Map<String, String> lastMarks;
        /** The marks last parsed for this view, and what they said: parsed again only when the server's copy changed. */
        Map<String, String> parsedFrom;

        Map<String, String> parsedMarks;
        Map<String, Integer> parsedLeads;
        /** The marks and the count in the last mark found up to date: no need to build the value again for them. */
        Map<String, String> markFoundIn;

        OptionalInt markFoundSaying;
        /** When the view's notifier thread is free again: listeners hear the changes in order, one at a time. */
        long notifierFreeAt;
        /** This view's runner mark: a new one each time the group's view starts, as {@code RunnerMarks} makes it. */
        final String mark;

        Group(Process p, String name) {
            this.p = p;
            this.name = name;
            this.mark = Long.toString(p.incarnation + 1, 36) + "." + ++viewsStarted; // <process>.<view>
            this.actor = p.toString();
            this.elector = new Elector(p.name, p.timings(), p.jitter::nextDouble, this::event);
            this.turn = new GroupTurn(name, elector, p.balancer);
            this.work = new Work(this, workRandom.split());
        }

        void event(ElectionEvent event) {
            log(p, () -> name + "  " + event);
        }

        @Override
        public String toString() {
            return p + " " + name;
        }
    }

    private void start(int index) {
        int incarnation = (int) processes.stream().filter(p -> p.index == index).count();
        Process p = new Process(index, incarnation);
        processes.add(p);
        log(p, "starts (rate " + String.format("%.3f", p.rate) + ", " + p.timings() + ")");
        deliverCandidates(p, latency()); // the informers' first lists
        for (Group g : p.groups.values()) {
            startGroup(g);
        }
    }

    /** A group's view starts: its watch lists the Lease, its driver turns. */
    private void startGroup(Group g) {
        Process p = g.p;
        g.turn.onWatch(true);
        if (p.podsSeen != null && !p.podsSeen.isEmpty()) {
            g.turn.onCandidates(p.podsSeen, p.local());
        }
        LeaseRecord listed = api.lease(g.name);
        Map<String, String> marks = api.runners(g.name);
        long listAt = now() + latency();
        g.lastWatchAt = listAt;
        at(p, listAt, () -> observe(g, listed, marks));
        at(p, now() + MS, () -> drive(g));
    }

    /**
     * The view marks the Lease as run by this process when the Lease it last saw lacks its mark, or when its mark does
     * not say what the balancer now says this replica leads (a write to the metadata, not through the elector), at
     * most once per retry period, as {@code LeaseElectionView} does; a view that stops takes its mark off.
     */
    private void ensureMark(Group g) {
        ensureMark(g, g.p.balancer.leadsToSay(g.p.local()));
    }

    /** As {@link #ensureMark(Group)}, with what the balancer says this replica leads now. */
    private void ensureMark(Group g, OptionalInt leads) {
        Process p = g.p;
        if (g.stopping || g.lastMarks == null) {
            return;
        }
        if (g.markFoundIn == g.lastMarks && leads.equals(g.markFoundSaying)) {
            return;
        }
        String value = RunnerMarks.value(g.mark, p.name, leads); // as the view's loop thread reads it when it writes
        if (value.equals(g.lastMarks.get(p.markKey))) {
            g.markFoundIn = g.lastMarks;
            g.markFoundSaying = leads;
            return;
        }
        long retry = p.timings().retryNanos(0);
        if (g.markAskedAt != Long.MIN_VALUE && now() - g.markAskedAt < retry) {
            if (!g.markLater) { // looks again when the retry period is over
                g.markLater = true;
                at(p, g.markAskedAt + retry, () -> {
                    g.markLater = false;
                    ensureMark(g);
                });
            }
            return;
        }
        g.markAskedAt = now();
        if (active(Fault.Kind.API_DOWN, p.index) != null || active(Fault.Kind.BLACKHOLE, p.index) != null) {
            return;
        }
        at(now() + latency(), () -> {
            if (p.alive && !g.stopping) {
                api.mark(g.name, p.name, value);
            }
        });
    }

    /** Runs the action for process {@code p} at {@code when}, unless it has died; later if it is paused then. */
    private void at(Process p, long when, Runnable action) {
        time.at(p, when, action);
    }

    /** One turn of a group's driver, as {@code LeaseElectionView} turns it. */
    private void drive(Group g) {
        Process p = g.p;
        if (p.groups.get(g.name) != g) {
            return; // the group's view has stopped
        }
        readAroundSilentPodWatch(p);
        Handover handover = g.turn.handover();
        if (g.stopping && !handover.underWay()) {
            g.turn.stop(p.local(), true); // the view's stop, once the group's own work is done
        }
        LeaseRequest request = null;
        if (g.loopRequest == 0) {
            for (int steps = 0; steps < 3; steps++) {
                // as the view reads the annotation on each delivery: it asks only while this process leads; the
                // release that ends the term clears it
                g.stepDownAsked &= g.elector.leads();
                g.turn.onStepDownAsked(g.stepDownAsked);
                GroupTurn.Turn turn = g.turn.step(p.local(), g.work::pending);
                request = turn.request();
                handoverStepped(g, turn.handover());
                if (!(request instanceof LeaseRequest.Renew)) {
                    break;
                }
                afterCall(g);
                send(g, request, false); // on a renewal thread: the loop goes on
                request = null;
            }
        }
        afterCall(g);
        if (request != null) {
            send(g, request, true);
        } else if (g.stopping && g.loopRequest == 0 && !g.elector.busy() && !handover.underWay()) {
            g.doneStopping = true;
            if (!p.stopping) {
                removeGroup(g);
                return;
            }
            if (p.groups.values().stream().allMatch(x -> x.doneStopping && !x.elector.busy())) {
                exit(p, "stopped");
                return;
            }
        }
        long token = ++g.wakeToken;
        scheduleRenewal(g);
        if (g.loopRequest != 0) {
            return; // the answer (or the call's time-out) drives it next, as the driver's blocked thread would
        }
        long wakeAt = Math.max(now() + 1, p.virtual(g.turn.nextStepAt(p.local())));
        if (request == null && wakeAt - now() < MS) {
            if (++g.idleSpins > 1000) {
                history.violation(g + " spins: it asks to be woken at once again and again, with nothing to do");
                return;
            }
        } else {
            g.idleSpins = 0;
        }
        at(p, wakeAt, () -> {
            if (token == g.wakeToken) {
                drive(g);
            }
        });
    }

    /** The renewal timer: set for when the next renewal is due, whatever the loop is doing. */
    private void scheduleRenewal(Group g) {
        long due = g.turn.renewalDueAt();
        if (due == Long.MAX_VALUE || due == g.renewScheduledFor) {
            return;
        }
        g.renewScheduledFor = due;
        long token = ++g.renewToken;
        Process p = g.p;
        at(p, Math.max(now() + 1, p.virtual(due)), () -> {
            if (token == g.renewToken) {
                g.renewScheduledFor = Long.MIN_VALUE;
                LeaseRequest renewal = g.turn.renewal(p.local());
                afterCall(g);
                if (renewal != null) {
                    send(g, renewal, false);
                }
                scheduleRenewal(g);
            }
        });
    }

    /** What a handover's step means for the counts: moves, abandoned moves, releases, drains that ran out. */
    private void handoverStepped(Group g, Handover.Step step) {
        Handover handover = g.turn.handover();
        boolean forBalance = handover.cause() == Handover.Cause.BALANCE;
        switch (step) {
            case STARTED -> {
                log(
                        g.p,
                        () -> g.name + " hands over: "
                                + (forBalance
                                        ? handover.move() + " (loads as seen here: " + g.p.balancer.loads() + ")"
                                        : handover.cause()));
                if (forBalance) {
                    moves++;
                    if (now() > faultsEnd) {
                        movesAfterFaults++;
                    }
                    checkMoveTargets(g, handover.move());
                }
            }
            case ABANDONED -> {
                log(g.p, g.name + " handover abandoned");
                if (now() > faultsEnd) {
                    abandonsAfterFaults++;
                }
            }
            case RELEASING_WITH_WORK -> {
                releasesWithWork++;
                log(
                        g.p,
                        g.name + " releases with " + g.work.pending() + " of its work still under way (a lease"
                                + " duration passed)");
            }
            case RELEASING -> {
                if (forBalance) {
                    if (!movesOnCrashMarks.contains(g.name)) {
                        releasesForBalance++;
                    }
                    releasedForBalanceAt.put(g.name, now());
                    darkForBalanceSince.put(g.name, now());
                    releasedMove.put(g.name, handover.move());
                    releasedBy.put(g.name, g.p);
                }
                log(g.p, g.name + " handover: " + step);
            }
            case NONE -> {}
            default -> log(g.p, g.name + " handover: " + step);
        }
    }

    private void observe(Group g, LeaseRecord record, Map<String, String> marks) {
        if (g.p.groups.get(g.name) != g) {
            return; // the group's view has stopped
        }
        if (g.parsedFrom != marks) { // the server hands out one copy per change of the marks
            g.parsedFrom = marks;
            g.parsedMarks = RunnerMarks.marks(marks);
            g.parsedLeads = RunnerMarks.leads(marks);
        }
        g.turn.onRunners(g.parsedMarks, g.parsedLeads, g.p.local());
        g.lastMarks = record != null ? marks : null;
        ensureMark(g);
        g.firstSawAt = g.firstSawAt < 0 ? now() : g.firstSawAt;
        seen(g, record);
        g.sawLease |= record != null;
        if (record != null) {
            g.highestSeen = Math.max(g.highestSeen, record.epoch());
        }
        log(g.p, () -> g.name + " sees " + record);
        g.turn.onLease(record, g.p.local());
        afterCall(g);
        drive(g);
    }

    /** Keeps the newest version a process has seen of a group's Lease, restores from a backup left out. */
    private void seen(Group g, LeaseRecord record) {
        if (record != null && record.holder() != null) {
            g.seenTerms.add(TermHistory.term(record.holder(), record.epoch()));
        }
        if (record != null && !api.byHand(g.name, record.version())) {
            g.sawReplicasWrite = true;
        }
        if (record != null && api.restoredFrom(g.name, record.version()) < 0) {
            long v = Long.parseLong(record.version());
            if (v > g.newestSeenVersion) {
                g.newestSeenVersion = v;
                g.newestSeen = record;
            }
        }
    }

    /** A group's view has stopped on a process that runs on (its route file was removed): its mark goes too. */
    private void removeGroup(Group g) {
        Process p = g.p;
        log(p, g.name + " is run here no more");
        p.groups.remove(g.name);
        g.work.state = Work.State.STOPPED;
        history.closed(g.name, g.actor);
        g.turn.leave();
        stoppedRunningAt.put(p.name + "/" + g.name, now());
        at(now() + latency(), () -> {
            if (p.alive && !p.groups.containsKey(g.name)) {
                api.mark(g.name, p.name, null);
            }
        });
    }

    private void exit(Process p, String why) {
        log(p, "exits: " + why);
        p.alive = false;
        for (Group g : p.groups.values()) {
            // a dead process starts nothing more; its exchanges in flight die with it
            g.work.state = Work.State.STOPPED;
            history.closed(g.name, g.actor);
            if (g.stopping && g.doneStopping) {
                at(now() + latency(), () -> api.mark(g.name, p.name, null)); // a graceful stop takes its marks off
            }
        }
        for (String group : groups) {
            checkEpochRemembered(group);
        }
    }

    // ------------------------------------------------------------------------------------------ requests

    private void send(Group g, LeaseRequest request, boolean blocksLoop) {
        Process p = g.p;
        if (now() - g.rateWindowStart >= 1000 * MS) {
            g.rateWindowStart = now();
            g.requestsInWindow = 0;
        }
        if (++g.requestsInWindow > MAX_REQUESTS_PER_SECOND) {
            history.violation(
                    g + " hammers the API server: more than " + MAX_REQUESTS_PER_SECOND + " requests in one second");
            return;
        }
        long id = ++p.requestIds;
        g.pending.add(id);
        if (blocksLoop) {
            g.loopRequest = id;
        }
        if (request.writes()) {
            g.blindCreate = request instanceof LeaseRequest.Create && !g.sawLease;
            // taking a Lease freed by hand, having seen nothing before: it cannot know the term the backup replaced
            String base = request instanceof LeaseRequest.Acquire a ? a.baseVersion() : null;
            long freedAt = base == null ? -1 : api.freedByHandAt(g.name, base);
            // or taking a backup put back of the very record it saw last: to it, nothing happened in between
            long restoredFrom = api.restoredFrom(g.name, base);
            LeaseRecord restored = api.restoredRecord(g.name, base);
            // or, after a backup was put back, taking a Lease having seen only records written by hand: the epochs the
            // backup erased are known only to replicas that cannot write (RELIABILITY.md, exceptions)
            g.blindAcquire = freedAt >= 0 && (g.firstSawAt >= freedAt || !g.sawReplicasWrite)
                    || base != null && !g.sawReplicasWrite && api.byHand(g.name, base) && api.everRestored(g.name)
                    || restoredFrom >= 0
                            && (g.newestSeenVersion <= restoredFrom
                                    || g.newestSeen != null && g.newestSeen.sameSpec(restored));
        }
        long timeout = p.virtual(p.local() + Schedule.callTimeoutMs(p.timings()) * MS);
        at(p, timeout, () -> answer(g, id, request, new Answer.Failed("timeout")));
        log(p, () -> g.name + " -> " + request);
        if (active(Fault.Kind.API_DOWN, p.index) != null) {
            at(p, now() + MS, () -> answer(g, id, request, new Answer.Failed("connection refused")));
            return;
        }
        if (active(Fault.Kind.BLACKHOLE, p.index) != null) {
            return;
        }
        at(now() + latency(), () -> {
            if (request instanceof LeaseRequest.Restore restore
                    && api.lease(g.name) == null
                    && api.deleted(g.name)
                    && restore.last().epoch() < api.highestCommittedEpoch(g.name)) {
                // restored from a view that missed the newest epoch, which no replica that saw it put back first
                history.epochLost(g.name);
                log(
                        p,
                        g.name + " restored at epoch " + restore.last().epoch() + " below "
                                + api.highestCommittedEpoch(g.name)
                                + ": the newest epoch went with the Lease (the documented"
                                + " limit)");
            }
            Answer answer = api.apply(g.name, request);
            if (request instanceof LeaseRequest.Create
                    && g.blindCreate
                    && api.deleted(g.name)
                    && answer instanceof Answer.Ok) {
                history.blindCreation(g.name);
                log(
                        p,
                        g.name + " created the Lease without having seen it, after it was deleted: the documented"
                                + " limit");
            }
            if (request.writes() && active(Fault.Kind.LOST_ANSWERS, p.index) != null) {
                return;
            }
            Fault slow = active(Fault.Kind.SLOW_API, p.index);
            // slow: every answer about that late, some a quarter less, so that answers overtake each other
            long back = slow != null ? slow.param() * MS - random.nextLong(slow.param() * MS / 4 + 1) : latency();
            at(p, now() + back, () -> answer(g, id, request, answer));
        });
    }

    private void answer(Group g, long id, LeaseRequest request, Answer answer) {
        if (!g.pending.remove(id) || g.p.groups.get(g.name) != g) {
            return; // answered already, or given up on
        }
        if (g.loopRequest == id) {
            g.loopRequest = 0;
        }
        if (answer instanceof Answer.Ok && request instanceof LeaseRequest.Read) {
            g.firstSawAt = g.firstSawAt < 0 ? now() : g.firstSawAt;
        }
        if (answer instanceof Answer.Ok ok && ok.lease() != null) {
            seen(g, ok.lease());
            g.sawLease = true;
            g.highestSeen = Math.max(g.highestSeen, ok.lease().epoch());
        }
        log(g.p, () -> g.name + " <- " + answer);
        g.turn.onAnswer(request, answer, g.p.local());
        afterCall(g);
        drive(g);
    }

    /**
     * What the moves abandoned after the faults may add to the time to balance: each abandon backs its group off a
     * lease duration, doubled at each abandon in a row (64 at most), and took up to two lease durations itself.
     */
    private long abandonsWaitMs() {
        long wait = 0;
        for (int k = 0; k < abandonsAfterFaults; k++) {
            wait += (Math.min(1L << Math.min(k, 6), 64) + 2) * schedule.maxLeaseMs();
        }
        return wait;
    }

    /** Every live process's watch of the group's Lease delivers it as it is now, in order, after a delay. */
    private void publish(String group, LeaseRecord snapshot) {
        Map<String, String> marks = api.runners(group);
        for (Process p : processes) {
            Group g = p.groups.get(group);
            if (!p.alive || g == null || !g.watchUp) {
                continue;
            }
            Fault lag = active(Fault.Kind.WATCH_LAG, p.index);
            Fault slow = active(Fault.Kind.SLOW_API, p.index);
            long delay = lag != null ? random.nextLong(lag.param() * MS) : slow != null ? slow.param() * MS : latency();
            long deliverAt = Math.max(g.lastWatchAt, now() + delay);
            g.lastWatchAt = deliverAt;
            at(p, deliverAt, () -> {
                if (g.watchUp) {
                    observe(g, snapshot, marks);
                }
            });
            if (lag != null && random.nextInt(4) == 0) {
                at(p, deliverAt, () -> observe(g, snapshot, marks)); // delivered twice
            }
        }
    }

    private Set<String> readyPods() {
        Set<String> ready = new TreeSet<>();
        for (int i = 0; i < podReady.length; i++) {
            if (podReady[i]) {
                ready.add("r" + i);
            }
        }
        return ready;
    }

    private void deliverCandidates(Process p, long delay) {
        if (p.podWatchSilent) {
            return; // the watch says nothing; the driver lists around it
        }
        Set<String> ready = readyPods();
        long deliverAt = Math.max(p.lastPodWatchAt, now() + delay); // a watch delivers in order
        p.lastPodWatchAt = deliverAt;
        at(p, deliverAt, () -> candidates(p, ready));
    }

    private void candidates(Process p, Set<String> ready) {
        p.podsSeen = ready;
        for (Group g : p.groups.values()) {
            g.turn.onCandidates(ready, p.local());
            afterCall(g);
            drive(g);
        }
    }

    /**
     * The rule of {@code CandidatePods}: a driver's turn lists the Pods once per lease duration, compares the list
     * with the watch and, when they differ, takes the list and starts the watch over (here: it speaks again).
     */
    private void readAroundSilentPodWatch(Process p) {
        if (!p.podWatchSilent || p.local() - p.podsListedAt < p.timings().leaseDurationNanos()) {
            return;
        }
        p.podsListedAt = p.local();
        Set<String> ready = readyPods();
        if (ready.equals(p.podsSeen)) {
            return; // the list agrees with the watch: nothing to tell yet
        }
        p.podWatchSilent = false; // the list wins and the watch starts over
        log(p, "lists the Pods around its silent watch: " + ready);
        at(p, now(), () -> candidates(p, ready));
    }

    private long latency() {
        return MS + random.nextLong(20 * MS);
    }

    // ------------------------------------------------------------------------------------------ faults

    private Fault active(Fault.Kind kind, int index) {
        for (Fault f : activeFaults) {
            if (f.kind() == kind && (f.replica() == -1 || f.replica() == index)) {
                return f;
            }
        }
        return null;
    }

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
        long until = fault.untilMs() * MS;
        Process p = fault.replica() >= 0 ? current(fault.replica()) : null;
        String group = groups.get(Math.min(fault.group(), groups.size() - 1));
        LeaseRecord lease = api.lease(group);
        switch (fault.kind()) {
            case PAUSE -> {
                if (p != null) {
                    p.pausedUntil = until;
                }
            }
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
                    at(p, now(), () -> {
                        // SIGTERM: each group drains and releases on its own, then the view stops
                        p.stopping = true;
                        p.groups.values().forEach(this::stopGroup);
                        if (p.groups.isEmpty() && p.alive) {
                            exit(p, "stopped (it ran no group)");
                        }
                    });
                }
                at(until, () -> restartOnceGone(fault.replica()));
            }
            case TWIN -> {
                if (p != null) {
                    start(fault.replica());
                    at(until, () -> {
                        if (p.alive) {
                            exit(p, "the first of two processes under one name dies");
                        }
                    });
                }
            }
            case SLOW_API, API_DOWN, BLACKHOLE, LOST_ANSWERS, WATCH_LAG, SLOW_LISTENER -> {
                activeFaults.add(fault);
                at(until, () -> activeFaults.remove(fault));
            }
            case WATCH_DOWN -> {
                if (p != null) {
                    for (Group g : p.groups.values()) {
                        g.watchUp = false;
                        at(p, now(), () -> g.turn.onWatch(false));
                    }
                    at(until, () -> {
                        for (Group g : p.groups.values()) {
                            g.watchUp = true;
                            LeaseRecord relisted = api.lease(g.name);
                            Map<String, String> marks = api.runners(g.name);
                            long listedAt = Math.max(g.lastWatchAt, now() + latency());
                            g.lastWatchAt = listedAt;
                            at(p, listedAt, () -> {
                                g.turn.onWatch(true);
                                observe(g, relisted, marks);
                            });
                        }
                    });
                }
            }
            case SILENT_POD_WATCH -> {
                if (p != null) {
                    p.podWatchSilent = true;
                    p.podsListedAt = p.local();
                }
            }
            case LEASE_DELETED -> {
                if (lease != null) {
                    api.delete(group);
                    checkEpochRemembered(group);
                }
            }
            case LEASE_RESTORED -> {
                LeaseRecord old = api.earlier(group, (int) fault.param());
                if (old != null) {
                    api.restore(group, old);
                    checkEpochRemembered(group);
                }
            }
            case FOREIGN_HOLDER -> {
                if (lease != null) {
                    String holder = fault.param() >= 0 ? "r" + fault.param() : "intruder";
                    api.overwrite(group, edited(lease, holder, lease.leaseDurationMs()));
                }
            }
            case DURATION_EDIT -> {
                if (lease != null) {
                    api.edit(group, edited(lease, lease.holder(), fault.param()));
                }
            }
            case SPEC_EDIT -> {
                if (lease != null) {
                    String stamp = api.stamp();
                    api.edit(group, new LeaseRecord(lease.holder(), lease.epoch(), stamp, stamp, fault.param(), null));
                }
            }
            case METADATA_TOUCH -> touch(group, fault.param() * MS); // a controller: it goes on for good
            case STEP_DOWN -> {
                Process holder = lease == null || lease.holder() == null
                        ? null
                        : processes.stream()
                                .filter(x -> x.alive && x.name.equals(lease.holder()))
                                .findFirst()
                                .orElse(null);
                Group g = holder == null ? null : holder.groups.get(group);
                if (g != null) {
                    at(holder, now(), () -> {
                        g.stepDownAsked = true;
                        drive(g);
                    });
                    if (fault.param() == 1) {
                        at(holder, until, () -> g.stepDownAsked = false);
                    }
                }
            }
            case POD_NOT_READY -> {
                setPod(fault.replica(), false);
                at(until, () -> setPod(fault.replica(), true));
            }
            case GROUP_REMOVED -> {
                runs.get(fault.replica()).remove(group);
                Group g = p == null ? null : p.groups.get(group);
                if (g != null && !g.stopping) {
                    at(p, now(), () -> stopGroup(g)); // the route is removed
                }
            }
            case GROUP_ADDED -> {
                runs.get(fault.replica()).add(group);
                if (p != null && !p.stopping) {
                    at(p, now(), () -> {
                        if (!p.groups.containsKey(group) && p.alive && !p.stopping) {
                            Group g = new Group(p, group);
                            p.groups.put(group, g);
                            startGroup(g);
                        }
                    });
                }
            }
        }
    }

    /** The Lease's record with another holder or lease duration, as a hand edit of its spec writes it. */
    private static LeaseRecord edited(LeaseRecord lease, String holder, long leaseDurationMs) {
        return new LeaseRecord(holder, lease.epoch(), lease.acquireTime(), lease.renewTime(), leaseDurationMs, null);
    }

    /** A group's view stops: it drains the group's work, releases its term and stops. */
    private void stopGroup(Group g) {
        g.stopping = true;
        g.turn.onStopping();
        afterCall(g);
        drive(g);
    }

    /**
     * The Lease is the only lasting record of a group's newest epoch: while it is deleted, or shows an older epoch (a
     * backup put back), only the live processes that saw the newest remember it. Once none does, the epoch is lost:
     * the next terms may repeat an epoch (the documented limit).
     */
    private void checkEpochRemembered(String group) {
        LeaseRecord lease = api.lease(group);
        long highest = api.highestCommittedEpoch(group);
        if (lease != null && lease.epoch() >= highest) {
            return;
        }
        for (Process q : processes) {
            Group g = q.groups.get(group);
            if (q.alive && g != null && g.highestSeen >= highest) {
                return;
            }
        }
        history.epochLost(group);
        log(
                null,
                "  " + group + ": no live process remembers epoch " + highest + ", and the Lease does not show it:"
                        + " the documented limit");
    }

    /** Starts the replica again once its process has exited, as a kubelet restarts a container. */
    private void restartOnceGone(int index) {
        if (!restarting[index]) {
            restarting[index] = true;
            restartWhenGone(index);
        }
    }

    private void restartWhenGone(int index) {
        if (current(index) == null) {
            restarting[index] = false;
            start(index);
        } else {
            at(now() + 50 * MS, () -> restartWhenGone(index));
        }
    }

    private void touch(String group, long every) {
        api.touch(group);
        at(now() + every, () -> touch(group, every));
    }

    private void setPod(int index, boolean ready) {
        if (podReady[index] != ready) {
            podReady[index] = ready;
            for (Process p : processes) {
                if (p.alive) {
                    deliverCandidates(p, latency());
                }
            }
        }
    }

    // ------------------------------------------------------------------------------------------ the work

    /**
     * A group's leader-only route on one process, as {@code LeaderOnlyConsumer} runs it: a delegate consumer started
     * when the route is told this replica leads (after a start latency), stopped when it is told otherwise (after a
     * stop latency, which may outlast the renew deadline, as a Kafka consumer's does); while it runs, even while it
     * stops, it offers an exchange every period; the gate ({@code TermGate}) lets one in only while the term it was
     * started in may act; an exchange runs for a while, and its action reaches the receiver, with its epoch, at its end.
     */
    private final class Work {
        enum State {
            STOPPED,
            STARTING,
            RUNNING,
            STOPPING
        }

        final Group g;
        final long startLatency;
        final long stopLatency;
        final long period;
        final SplittableRandom random;
        State state = State.STOPPED;
        /** The epoch of the term the delegate was started in. */
        long epoch = -1;

        int inFlight;
        long token;

        Work(Group g, SplittableRandom random) {
            this.g = g;
            this.random = random;
            if (schedule.balanceChecked()) {
                // balancing's routes stop at once: the moves' own bound is what is checked there
                this.startLatency = random.nextLong(50 * MS);
                this.stopLatency = random.nextLong(50 * MS);
            } else {
                this.startLatency = random.nextInt(4) == 0 ? random.nextLong(2000 * MS) : random.nextLong(50 * MS);
                this.stopLatency = random.nextInt(3) == 0 ? random.nextLong(3000 * MS) : random.nextLong(50 * MS);
            }
            // balancing's schedules run up to 12 groups for minutes: their routes fire less often, to keep runs short
            this.period = schedule.balanceChecked()
                    ? 250 * MS + random.nextLong(750 * MS)
                    : 50 * MS + random.nextLong(450 * MS);
        }

        /** What the driver's work supplier counts: exchanges in flight, and a delegate that runs, starts or stops. */
        int pending() {
            return inFlight + (state == State.STOPPED ? 0 : 1);
        }

        /** The epoch of the term the routes are told this process leads in, or -1. */
        long allowed() {
            Process p = g.p;
            return p.alive && !g.stopping && p.groups.get(g.name) == g && p.name.equals(g.turn.routesLeader())
                    ? g.elector.epoch()
                    : -1;
        }

        /** Starts or stops the delegate as the election event, heard by the route's listener, would. */
        void decide() {
            Process p = g.p;
            long allowed = allowed();
            if (state == State.STOPPED && allowed >= 0) {
                state = State.STARTING;
                epoch = allowed;
                long t = ++token;
                at(p, now() + startLatency, () -> {
                    if (token == t && state == State.STARTING) {
                        state = State.RUNNING;
                        log(p, () -> g.name + "  delegate runs in epoch " + epoch);
                        tick(t);
                        heard(g);
                    }
                });
            } else if ((state == State.STARTING || state == State.RUNNING) && allowed != epoch) {
                State was = state;
                state = State.STOPPING;
                long t = ++token;
                if (was == State.RUNNING) {
                    tick(t); // it goes on offering exchanges until its stop completes
                }
                at(p, now() + stopLatency, () -> {
                    if (token == t) {
                        state = State.STOPPED;
                        log(p, () -> g.name + "  delegate stopped");
                        heard(g);
                    }
                });
            }
        }

        /** The delegate's next exchange, a period from now, while it runs or stops. */
        void tick(long t) {
            at(g.p, now() + period, () -> {
                if (token != t || state == State.STOPPED || state == State.STARTING) {
                    return;
                }
                offer();
                tick(t);
            });
        }

        /** The gate: the exchange runs only while the term the delegate was started in may act. */
        void offer() {
            Process p = g.p;
            long local = p.local();
            boolean mayAct = p.name.equals(g.turn.routesLeader())
                    && g.elector.epoch() == epoch
                    && (gate == Gate.IGNORES_CLOCK || local < g.turn.routesMayActUntil());
            if (!mayAct) {
                refused++;
                return;
            }
            history.exchangeStarted(g.name, g.actor, epoch);
            for (Process q : processes) {
                Group other = q.groups.get(g.name);
                if (q != p && q.alive && other != null && other.work.inFlight > 0) {
                    inFlightOverlaps++;
                    log(
                            p,
                            () -> g.name + "  starts an exchange while " + q + " has " + other.work.inFlight
                                    + " in flight (fenced)");
                }
            }
            log(p, () -> g.name + "  exchange starts in epoch " + epoch);
            inFlight++;
            long duration = schedule.balanceChecked()
                    ? (random.nextInt(10) == 0 ? p.timings().leaseDurationNanos() * 3 / 2 : random.nextLong(300 * MS))
                    : (random.nextInt(20) == 0 ? random.nextLong(4000 * MS) : random.nextLong(300 * MS));
            long e = epoch;
            at(p, now() + duration, () -> {
                inFlight--; // a draining handover sees it at its next poll
                history.acted(g.name, e);
            });
        }
    }

    /**
     * The group's listeners hear what changed: at once, or, under a slow listener, on the view's notifier thread in
     * order, each change some time later. The gate reads the term itself, so no delay here lets an exchange in late.
     */
    private void heard(Group g) {
        Fault slow = active(Fault.Kind.SLOW_LISTENER, g.p.index);
        if (slow == null && g.notifierFreeAt <= now()) {
            g.work.decide();
            return;
        }
        long at = Math.max(g.notifierFreeAt, now()) + (slow != null ? slow.param() * MS : 0);
        g.notifierFreeAt = at;
        at(g.p, at, g.work::decide);
    }

    // ------------------------------------------------------------------------------------------ invariants

    /** After every call to a group's turn: the route hears of it, the balancer learns the leader, the term is checked. */
    private void afterCall(Group g) {
        Process p = g.p;
        heard(g);
        g.turn.reportLeader(p.local());
        OptionalInt leads = p.balancer.leadsToSay(p.local());
        if (!leads.equals(p.leadsSaid)) { // what it says changed: every view brings its mark up to date at once
            p.leadsSaid = leads;
            List.copyOf(p.groups.values()).forEach(each -> ensureMark(each, leads));
        } else {
            ensureMark(g, leads);
        }
        Elector e = g.elector;
        if (!e.leads()) {
            history.closed(g.name, g.actor);
            return;
        }
        Balancer.Move released = releasedMove.remove(g.name);
        if (released != null && releasedBy.remove(g.name) == p) { // none of its targets took it: they refused it
            for (String target : released.to()) {
                Process to = current(Integer.parseInt(target.substring(1)));
                Group theirs = to == null ? null : to.groups.get(g.name);
                if (theirs != null && declines.merge(g.name + "/" + target + "/" + theirs.mark, 1, Integer::sum) >= 2) {
                    refusedMoves.add(g.name + "/" + target + "/" + theirs.mark);
                }
            }
        }
        Long darkSince = darkForBalanceSince.remove(g.name);
        if (darkSince != null) {
            movesOnCrashMarks.remove(g.name); // led again after its release
        }
        if (darkSince != null
                && darkSince > faultsEnd
                && schedule.balanceChecked()
                && now() - darkSince > MOVE_DARK_BOUND_MS * MS) {
            history.violation(g.name + " was dark " + (now() - darkSince) / MS + " ms after its release for balance"
                    + " (bound " + MOVE_DARK_BOUND_MS + " ms)");
        }
        history.mayAct(
                g.name,
                g.actor,
                e.epoch(),
                p.virtual(e.mayActUntil()),
                g.blindCreate && api.deleted(g.name) || g.blindAcquire,
                hiddenAndUnseen(g));
    }

    /** The terms of {@code g}'s group that a hand write hid and this process never saw: it cannot know them. */
    private Set<String> hiddenAndUnseen(Group g) {
        Set<String> hidden = api.hidden(g.name);
        if (hidden.isEmpty()) {
            return Set.of(); // nearly every turn: no copy
        }
        Set<String> unseen = new HashSet<>(hidden);
        unseen.removeAll(g.seenTerms);
        return unseen;
    }

    /**
     * Every group is led now; or was until a moment ago, when its leader released it for balance and the next one is
     * taking it (a move is dark for a few retry periods at most; a lease duration is allowed here).
     */
    private void checkEveryGroupLed(String when) {
        for (String group : groups) {
            if (history.led(group)) {
                continue;
            }
            Long released = releasedForBalanceAt.get(group);
            if (released != null
                    && now() - released < schedule.maxLeaseMs() * MS
                    && history.lastLedAt(group) >= released) {
                continue;
            }
            history.violation(
                    "no replica acts in " + group + " " + when + " (" + String.format("%.3f", now() / 1e6) + " ms)");
            return;
        }
    }

    /** Whether a move, or any other handover (a drain after the Pod left the candidates), is still under way. */
    private boolean moveUnderWay() {
        for (Process p : processes) {
            if (p.alive
                    && (p.balancer.moveUnderWay()
                            || p.groups.values().stream()
                                    .anyMatch(g -> g.turn.handover().underWay()))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Why the placement is not balanced now (null: it is): a replica not running, a group without a live leader, or a
     * replica that leads two groups more than another that runs one of them (a move the balancer should still make).
     */
    private String unbalanced() {
        Map<String, Integer> loads = new TreeMap<>();
        for (int i = 0; i < podReady.length; i++) {
            Process p = current(i);
            if (p == null || !podReady[i] || now() < p.pausedUntil || p.stopping) {
                return "r" + i + " is not running";
            }
            loads.put(p.name, 0);
        }
        Map<String, String> leaders = new TreeMap<>();
        for (String group : groups) {
            // led: a running process holds the term (a Lease naming a dead process's term is not led)
            String leader = null;
            boolean runByAny = false;
            for (int i = 0; i < podReady.length; i++) {
                Group g = current(i).groups.get(group);
                runByAny |= g != null;
                if (g != null && g.elector.leads()) { // a term suspended for a moment still holds the group
                    leader = g.p.name;
                }
            }
            if (leader == null && runByAny) {
                return group + " has no leader";
            }
            if (leader != null) {
                loads.merge(leader, 1, Integer::sum);
                leaders.put(group, leader);
            }
        }
        for (Map.Entry<String, String> led : leaders.entrySet()) {
            int from = loads.get(led.getValue());
            for (int i = 0; i < podReady.length; i++) {
                Process to = current(i);
                Group theirs = to.groups.get(led.getKey());
                if (theirs != null
                        && from - loads.get(to.name) >= 2
                        && !refusedMoves.contains(led.getKey() + "/" + to.name + "/" + theirs.mark)) {
                    return "groups led " + loads + ": " + led.getValue() + " could hand " + led.getKey() + " to "
                            + to.name;
                }
            }
        }
        return null;
    }

    /**
     * A move starts: each replica it may go to must run the group (a replica whose route file was removed may still
     * show its mark for the moments the removal takes to reach everyone: 2 s; a mark an earlier process left by
     * crashing looks current to a replica that sees no mark of the Pod's next one, the limit BALANCING.md states).
     */
    private void checkMoveTargets(Group g, Balancer.Move move) {
        for (String name : move.to()) {
            int index = Integer.parseInt(name.substring(1));
            Process to = current(index);
            if (to == null) {
                continue; // no process runs there (a crash that left its Pod Ready): its marks are all there is to see
            }
            Long stopped = stoppedRunningAt.get(name + "/" + g.name);
            boolean runsNow = to.groups.containsKey(g.name) || runs(index, g.name);
            String mark = RunnerMarks.marks(api.runners(g.name)).get(name);
            boolean leftByCrash = mark != null && !mark.startsWith(Long.toString(to.incarnation + 1, 36) + ".");
            if (!runsNow && leftByCrash) {
                // the stated limit: this move may come after the placement was judged even
                movesOnCrashMarks.add(g.name);
            }
            if (!runsNow && !leftByCrash && (stopped == null || now() - stopped > 2000 * MS)) {
                history.violation(g + " hands " + g.name + " to " + name + ", which does not run it");
            }
        }
    }

    /** Who leads which group now, per replica, for the trace. */
    private String ledNow() {
        Map<String, List<String>> led = new TreeMap<>();
        for (int i = 0; i < podReady.length; i++) {
            Process p = current(i);
            if (p == null) {
                continue;
            }
            List<String> mine = new ArrayList<>();
            p.groups.values().stream().filter(g -> g.elector.mayAct(p.local())).forEach(g -> mine.add(g.name));
            led.put(p.name + " runs " + p.groups.keySet(), mine);
        }
        return led.toString();
    }

    private boolean runs(int index, String group) {
        return runs.get(index).contains(group);
    }

    // ------------------------------------------------------------------------------------------ events

    private void at(long when, Runnable action) {
        time.at(when, action);
    }

    private long now() {
        return time.now();
    }

    /** Builds the line only when there is a trace. */
    private void log(Process p, Supplier<String> what) {
        if (trace != null) {
            log(p, what.get());
        }
    }

    private void log(Process p, String what) {
        if (trace != null) {
            trace.append(String.format("%9.3f  %-5s %s%n", now() / 1e6, p == null ? "" : p.toString(), what));
        }
    }

    /**
     * What a run found: the verdict (a violation, null if none; whether the documented limit was hit), then the
     * exchanges started, those the gate refused (offered outside their term's window: a delegate not stopped yet, a
     * timer firing after a pause), the actions the receiver's fence refused (an exchange of an older epoch ending after
     * a newer one acted), the exchanges still in flight when another replica started one of a newer term, and
     * balancing's moves (after the faults too) and when the placement was balanced after the faults (-1: not checked
     * or never).
     */
    record Outcome(
            long seed,
            String violation,
            boolean limitation,
            int terms,
            long events,
            int faults,
            long exchanges,
            long refused,
            long fenced,
            long inFlightOverlaps,
            long releasesWithWork,
            int moves,
            int movesAfterFaults,
            long convergedAfterMs) {}
}
