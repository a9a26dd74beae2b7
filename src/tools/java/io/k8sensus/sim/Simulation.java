package io.k8sensus.sim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import io.k8sensus.elector.Answer;
import io.k8sensus.elector.ElectionEvent;
import io.k8sensus.elector.Balancer;
import io.k8sensus.elector.Elector;
import io.k8sensus.elector.GroupTurn;
import io.k8sensus.elector.Handover;
import io.k8sensus.elector.LeaseRecord;
import io.k8sensus.elector.LeaseRequest;
import io.k8sensus.elector.Timings;

/**
 * One run of a {@link Schedule}: the replicas' real {@link Elector}s, in one thread, on virtual time, against a
 * simulated API server. Everything that is random is drawn from the schedule's seed, so a run replays exactly.
 * <p>
 * The simulated API server keeps one Lease and applies the real optimistic-concurrency rules (a write naming an old
 * resourceVersion fails with 409, a create of an existing Lease too, an update of a missing one 404). A request takes
 * a latency to arrive and is applied then; its answer takes another to come back, and may be lost or come after the
 * caller has given up (its call timeout), as a real client sees it. Watches deliver every change to every replica in
 * order, late under a fault, sometimes twice, and re-list after they were down. Each replica's monotonic clock runs
 * at its own rate; a paused process handles nothing until it resumes, while its clock runs on.
 * <p>
 * After every call to an elector the invariants are checked: no two processes may act at one instant (may act = a term
 * whose renew deadline has not passed on the process's own clock, mapped back to virtual time); every new term's epoch
 * is above every earlier term's; and once the faults are over, some replica acts within the schedule's bound.
 */
final class Simulation {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    /** More requests than this from one process in one virtual second is a hot loop (a leader makes about 2). */
    private static final int MAX_REQUESTS_PER_SECOND = 50;

    private final Schedule schedule;
    private final Gate gate;
    private final StringBuilder trace;
    private final SplittableRandom random;
    private final VirtualTime time = new VirtualTime();
    private long eventCount;

    // the API server
    private LeaseRecord lease;
    private long version;
    private long stamps;
    private final boolean[] podReady;

    // the processes; a restart or a twin is a new process under the same name
    private final List<Process> processes = new ArrayList<>();
    private final List<Window> windows = new ArrayList<>();
    private long highestTermEpoch = -1;
    private boolean leaseDeleted;
    /** A process that never saw the Lease created it after it was deleted: the epochs after it start lower. */
    private boolean blindAfterDeletion;
    private long highestCommittedEpoch = -1;
    /** The Lease came back with an epoch below its newest: no replica that knew the newest could put it back first. */
    private boolean epochLostWithLease;
    private long lastDeletionAt = -1;
    private String violation;
    private boolean limitation;

    // the work: draws of their own, so that the election's draws stay those of the seed without it
    private final SplittableRandom workRandom;
    /** Every exchange started so far, in the order they started. */
    private final List<Exchange> exchanges = new ArrayList<>();
    /** The receiving system's fence: the highest epoch it has accepted an action of. */
    private long fencedAbove = -1;
    private long refused;
    private long fenced;
    private long inFlightOverlaps;
    /** Drains that hit their bound: the Pod left the candidates and the work outlasted a lease duration. */
    private long releasesWithWork;

    private Simulation(Schedule schedule, StringBuilder trace, Gate gate) {
        this.schedule = schedule;
        this.gate = gate;
        this.trace = trace;
        this.random = new SplittableRandom(schedule.seed() ^ 0x5DEECE66DL);
        this.podReady = new boolean[schedule.timings().size()];
        this.workRandom = new SplittableRandom(schedule.seed() ^ 0x77_6F_72_6BL);
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
        return new Simulation(schedule, trace, gate).run();
    }

    private Outcome run() {
        for (int i = 0; i < podReady.length; i++) {
            podReady[i] = true;
            start(i);
        }
        for (Fault fault : schedule.faults()) {
            at(fault.atMs() * MS, () -> inject(fault));
        }
        long faultsEnd = schedule.faultsEndMs() * MS;
        long checkAt = faultsEnd + schedule.boundMs() * MS;
        long endAt = checkAt + 2 * schedule.maxLeaseMs() * MS;
        at(faultsEnd, () -> {
            // the faults are over: every replica runs (a crash of one of two twins may have left none) and is Ready
            for (int i = 0; i < podReady.length; i++) {
                setPod(i, true);
                if (current(i) == null) {
                    restartOnceGone(i);
                }
            }
        });
        at(checkAt, () -> checkSomeoneActs("within the bound of " + schedule.boundMs() + " ms after the faults ended"));
        at(endAt, () -> checkSomeoneActs("at the end"));
        while (violation == null && time.runNext(endAt)) {
            eventCount++;
        }
        int terms = windows.size();
        return new Outcome(schedule.seed(), violation, limitation, terms, eventCount, schedule.faults().size(),
                exchanges.size(), refused, fenced, inFlightOverlaps, releasesWithWork);
    }

    // ------------------------------------------------------------------------------------------ processes

    private final class Process extends VirtualTime.Process {
        final int index;
        final String name;
        final int incarnation;
        final Elector elector;
        /** The elector with its handover, turned as the application turns it (no balancing: one group). */
        final GroupTurn turn;
        final double rate;
        final long offset;
        boolean stopping;
        long wakeToken;
        int idleSpins;
        long rateWindowStart;
        int requestsInWindow;
        long requestId;
        long pendingRequest;
        long lastWatchAt;
        long lastPodWatchAt;
        boolean watchUp = true;
        boolean sawLease;
        long highestSeen = -1;
        boolean blindCreate;
        Window window;
        /** The group's leader-only route on this process: its delegate consumer and its exchanges. */
        final Work work;

        Process(int index, int incarnation) {
            this.index = index;
            this.name = "r" + index;
            this.incarnation = incarnation;
            this.rate = schedule.rates()[index];
            this.offset = random.nextLong(1L << 40);
            SplittableRandom jitter = random.split();
            this.elector = new Elector(name, schedule.timings().get(index), jitter::nextDouble, this::event);
            this.turn = new GroupTurn("g", elector, Balancer.off(name, schedule.timings().get(index)));
            this.work = new Work(workRandom.split());
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

        void event(ElectionEvent event) {
            if (trace != null) {
                log(this, "  " + event);
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
        log(p, "starts (rate " + String.format("%.3f", p.rate) + ", " + p.timings() + ")");
        p.elector.watching(true);
        // the informers' first lists
        deliverCandidates(p, latency(p));
        long listAt = now() + latency(p);
        p.lastWatchAt = listAt;
        at(p, listAt, () -> observe(p, lease));
        at(p, now() + MS, () -> drive(p));
    }

    /** Runs the action for process {@code p} at {@code time}, unless it has died; later if it is paused then. */
    /** Runs the action for process {@code p} at {@code when}, unless it has died; later if it is paused then. */
    private void at(Process p, long when, Runnable action) {
        time.at(p, when, action);
    }

    private void drive(Process p) {
        if (p.stopping && !p.turn.handover().underWay()) {
            p.turn.stop(p.local(), true); // the view's stop, once the group's own work is done
        }
        LeaseRequest request = null;
        if (!p.elector.busy()) {
            GroupTurn.Turn turn = p.turn.step(p.local(), p.work::pending);
            request = turn.request();
            if (turn.handover() == Handover.Step.RELEASING_WITH_WORK) {
                releasesWithWork++;
                log(p, "  releases with " + p.work.pending() + " of its work still under way (a lease duration passed)");
            }
        }
        afterCall(p);
        if (request != null) {
            send(p, request);
        } else if (p.stopping && !p.elector.busy()) {
            exit(p, "stopped");
            return;
        }
        long token = ++p.wakeToken;
        if (p.elector.busy()) {
            return; // the answer (or the call's time-out) drives it next, as the driver's blocked thread would
        }
        long wakeAt = Math.max(now() + 1, p.virtual(p.turn.nextStepAt(p.local())));
        if (request == null && wakeAt - now() < MS) {
            if (++p.idleSpins > 1000) {
                fail(null, null, p + " spins: it asks to be woken at once again and again, with nothing to do");
                return;
            }
        } else {
            p.idleSpins = 0;
        }
        at(p, wakeAt, () -> {
            if (token == p.wakeToken) {
                drive(p);
            }
        });
    }

    private void observe(Process p, LeaseRecord record) {
        p.sawLease |= record != null;
        if (record != null) {
            p.highestSeen = Math.max(p.highestSeen, record.epoch());
        }
        log(p, "sees " + record);
        p.turn.onLease(record, p.local());
        afterCall(p);
        drive(p);
    }

    private void exit(Process p, String why) {
        log(p, "exits: " + why);
        p.alive = false;
        p.work.state = Work.State.STOPPED; // a dead process starts nothing more; its exchanges in flight die with it
        closeWindow(p);
    }

    // ------------------------------------------------------------------------------------------ requests

    private void send(Process p, LeaseRequest request) {
        if (now() - p.rateWindowStart >= 1000 * MS) {
            p.rateWindowStart = now();
            p.requestsInWindow = 0;
        }
        if (++p.requestsInWindow > MAX_REQUESTS_PER_SECOND) {
            fail(null, null, p + " hammers the API server: more than " + MAX_REQUESTS_PER_SECOND
                             + " requests in one second");
            return;
        }
        long id = ++p.requestId;
        p.pendingRequest = id;
        if (request.writes()) {
            p.blindCreate = request instanceof LeaseRequest.Create && !p.sawLease;
        }
        long timeout = p.virtual(p.local() + Schedule.callTimeoutMs(p.timings()) * MS);
        at(p, timeout, () -> answer(p, id, request, new Answer.Failed("timeout")));
        log(p, "-> " + request);
        if (active(Fault.Kind.API_DOWN, p.index) != null) {
            at(p, now() + MS, () -> answer(p, id, request, new Answer.Failed("connection refused")));
            return;
        }
        if (active(Fault.Kind.BLACKHOLE, p.index) != null) {
            return;
        }
        at(now() + latency(p), () -> {
            Answer answer = apply(request);
            if (request instanceof LeaseRequest.Create && p.blindCreate && leaseDeleted
                && answer instanceof Answer.Ok) {
                blindAfterDeletion = true;
                log(p, "  created the Lease without having seen it, after it was deleted: the documented limit");
            }
            if (request.writes() && active(Fault.Kind.LOST_ANSWERS, p.index) != null) {
                return;
            }
            Fault slow = active(Fault.Kind.SLOW_API, p.index);
            long back = slow != null ? slow.param() * MS : latency(p);
            at(p, now() + back, () -> answer(p, id, request, answer));
        });
    }

    private void answer(Process p, long id, LeaseRequest request, Answer answer) {
        if (p.pendingRequest != id) {
            return; // answered already, or given up on
        }
        p.pendingRequest = 0;
        if (answer instanceof Answer.Ok ok && ok.lease() != null) {
            p.sawLease = true;
            p.highestSeen = Math.max(p.highestSeen, ok.lease().epoch());
        }
        log(p, "<- " + answer);
        p.turn.answered(request, answer, p.local());
        afterCall(p);
        drive(p);
    }

    /** The API server applies a request, with the real concurrency rules. */
    private Answer apply(LeaseRequest request) {
        if (request instanceof LeaseRequest.Read) {
            return new Answer.Ok(lease);
        }
        if (request instanceof LeaseRequest.Create create) {
            if (lease != null) {
                return new Answer.Conflict();
            }
            String stamp = stamp();
            return commit(new LeaseRecord(create.holder(), create.epoch(), stamp, stamp,
                    create.leaseDurationSeconds() * 1000L, null));
        }
        if (request instanceof LeaseRequest.Restore restore) {
            if (lease != null) {
                return new Answer.Conflict();
            }
            LeaseRecord last = restore.last();
            if (leaseDeleted && last.epoch() < highestCommittedEpoch) {
                // restored from a view that missed the newest epoch, which no replica that saw it put back first
                epochLostWithLease = true;
                log(null, "  restored at epoch " + last.epoch() + " below " + highestCommittedEpoch
                          + ": the newest epoch went with the Lease (the documented limit)");
            }
            String stamp = stamp();
            return commit(new LeaseRecord(last.holder(), last.epoch(),
                    last.acquireTime() == null ? stamp : last.acquireTime(), stamp, last.leaseDurationMs(), null));
        }
        if (lease == null) {
            return new Answer.NotFound();
        }
        if (request instanceof LeaseRequest.Acquire acquire) {
            if (!lease.version().equals(acquire.baseVersion())) {
                return new Answer.Conflict();
            }
            String stamp = stamp();
            return commit(new LeaseRecord(acquire.holder(), acquire.epoch(), stamp, stamp,
                    acquire.leaseDurationSeconds() * 1000L, null));
        }
        if (request instanceof LeaseRequest.RaiseEpoch raise) {
            LeaseRecord l = raise.lease();
            if (!lease.version().equals(l.version())) {
                return new Answer.Conflict();
            }
            return commit(new LeaseRecord(l.holder(), raise.epoch(), l.acquireTime(), l.renewTime(), l.leaseDurationMs(),
                    null));
        }
        if (request instanceof LeaseRequest.Renew renew) {
            LeaseRecord t = renew.term();
            if (!lease.version().equals(t.version())) {
                return new Answer.Conflict();
            }
            return commit(new LeaseRecord(t.holder(), t.epoch(), t.acquireTime(), stamp(), t.leaseDurationMs(), null));
        }
        LeaseRecord t = ((LeaseRequest.Release) request).term();
        if (!lease.version().equals(t.version())) {
            return new Answer.Conflict();
        }
        return commit(new LeaseRecord(null, t.epoch(), null, null, 0, null));
    }

    private String stamp() {
        return "t" + (++stamps);
    }

    private Answer commit(LeaseRecord written) {
        lease = written.withVersion(String.valueOf(++version));
        highestCommittedEpoch = Math.max(highestCommittedEpoch, lease.epoch());
        if (trace != null) {
            trace.append(String.format("%9.3f  api  Lease is now %s%n", now() / 1e6, lease));
        }
        publish();
        return new Answer.Ok(lease);
    }

    /** Every live process's watch delivers the Lease as it is now, in order, after a delay. */
    private void publish() {
        LeaseRecord snapshot = lease;
        for (Process p : processes) {
            if (!p.alive || !p.watchUp) {
                continue;
            }
            Fault lag = active(Fault.Kind.WATCH_LAG, p.index);
            Fault slow = active(Fault.Kind.SLOW_API, p.index);
            long delay = lag != null ? random.nextLong(lag.param() * MS) : slow != null ? slow.param() * MS : latency(p);
            long deliverAt = Math.max(p.lastWatchAt, now() + delay);
            p.lastWatchAt = deliverAt;
            at(p, deliverAt, () -> {
                if (p.watchUp) {
                    observe(p, snapshot);
                }
            });
            if (lag != null && random.nextInt(4) == 0) {
                at(p, deliverAt, () -> observe(p, snapshot)); // delivered twice
            }
        }
    }

    private void deliverCandidates(Process p, long delay) {
        Set<String> ready = new HashSet<>();
        for (int i = 0; i < podReady.length; i++) {
            if (podReady[i]) {
                ready.add("r" + i);
            }
        }
        long deliverAt = Math.max(p.lastPodWatchAt, now() + delay); // a watch delivers in order
        p.lastPodWatchAt = deliverAt;
        at(p, deliverAt, () -> {
            p.turn.onCandidates(ready, p.local());
            afterCall(p);
            drive(p);
        });
    }

    private void podsChanged() {
        for (Process p : processes) {
            if (p.alive) {
                deliverCandidates(p, latency(p));
            }
        }
    }

    private long latency(Process p) {
        return MS + random.nextLong(20 * MS);
    }

    // ------------------------------------------------------------------------------------------ faults

    private final List<Fault> activeFaults = new ArrayList<>();

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
                    setPod(fault.replica(), false);
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
                        stopping.stopping = true;
                        stopping.turn.onStopping();
                        afterCall(stopping);
                        drive(stopping);
                    });
                }
                at(until, () -> restartOnceGone(fault.replica()));
            }
            case TWIN -> {
                if (p != null) {
                    start(fault.replica());
                    Process old = p;
                    at(until, () -> {
                        if (old.alive) {
                            exit(old, "the first of two processes under one name dies");
                        }
                    });
                }
            }
            case SLOW_API, API_DOWN, BLACKHOLE, LOST_ANSWERS, WATCH_LAG -> {
                activeFaults.add(fault);
                at(until, () -> activeFaults.remove(fault));
            }
            case WATCH_DOWN -> {
                if (p != null) {
                    Process watcher = p;
                    watcher.watchUp = false;
                    at(p, now(), () -> watcher.elector.watching(false));
                    at(until, () -> {
                        watcher.watchUp = true;
                        LeaseRecord relisted = lease;
                        long listedAt = Math.max(watcher.lastWatchAt, now() + latency(watcher));
                        watcher.lastWatchAt = listedAt;
                        at(watcher, listedAt, () -> {
                            watcher.elector.watching(true);
                            observe(watcher, relisted);
                        });
                    });
                }
            }
            case LEASE_DELETED -> {
                if (lease != null) {
                    long knownAlive = processes.stream().filter(q -> q.alive).mapToLong(q -> q.highestSeen).max()
                            .orElse(-1);
                    if (knownAlive < highestCommittedEpoch) {
                        // no live process has seen the highest epoch: it goes with the Lease (the documented limit)
                        epochLostWithLease = true;
                        log(null, "  no live process saw epoch " + highestCommittedEpoch + ": the documented limit");
                    }
                    lastDeletionAt = now();
                    lease = null;
                    version++;
                    leaseDeleted = true;
                    publish();
                }
            }
            case FOREIGN_HOLDER -> {
                if (lease != null) {
                    String holder = fault.param() >= 0 ? "r" + fault.param() : "intruder";
                    commit(new LeaseRecord(holder, lease.epoch(), lease.acquireTime(), lease.renewTime(),
                            lease.leaseDurationMs(), null));
                }
            }
            case DURATION_EDIT -> {
                if (lease != null) {
                    commit(new LeaseRecord(lease.holder(), lease.epoch(), lease.acquireTime(), lease.renewTime(),
                            fault.param(), null));
                }
            }
            case SPEC_EDIT -> {
                if (lease != null) {
                    String stamp = stamp();
                    commit(new LeaseRecord(lease.holder(), lease.epoch(), stamp, stamp, fault.param(), null));
                }
            }
            case METADATA_TOUCH -> touch(fault.param() * MS, Long.MAX_VALUE); // a controller: it goes on for good
            case POD_NOT_READY -> {
                setPod(fault.replica(), false);
                at(until, () -> setPod(fault.replica(), true));
            }
        }
    }

    /** Starts the replica again once its process has exited, as a kubelet restarts a container. */
    private void restartOnceGone(int index) {
        if (current(index) == null) {
            start(index);
        } else {
            at(now() + 50 * MS, () -> restartOnceGone(index));
        }
    }

    private void touch(long every, long until) {
        if (now() >= until) {
            return;
        }
        if (lease != null) {
            lease = lease.withVersion(String.valueOf(++version));
            publish();
        }
        at(now() + every, () -> touch(every, until));
    }

    private void setPod(int index, boolean ready) {
        if (podReady[index] != ready) {
            podReady[index] = ready;
            podsChanged();
        }
    }

    // ------------------------------------------------------------------------------------------ the work

    /** One exchange of the leader-only route: who started it, in which term, and when (virtual time). */
    private record Exchange(Process process, long epoch, long startedAt, Window window) {
    }

    /**
     * The group's leader-only route on one process, as {@code LeaderOnlyConsumer} runs it: a delegate consumer started
     * when the route is told this replica leads (after a start latency), stopped when it is told otherwise (after a
     * stop latency, which may outlast the renew deadline, as a Kafka consumer's does); while it runs, even while it
     * stops, it offers an exchange every period; the gate ({@code TermGate}) lets one in only while the term it was
     * started in may act; an exchange runs for a while, and its action reaches the receiver, with its epoch, at its end.
     */
    private final class Work {
        enum State { STOPPED, STARTING, RUNNING, STOPPING }

        final long startLatency;
        final long stopLatency;
        final long period;
        final SplittableRandom random;
        State state = State.STOPPED;
        /** The epoch of the term the delegate was started in. */
        long epoch = -1;
        int inFlight;
        long token;

        Work(SplittableRandom random) {
            this.random = random;
            this.startLatency = random.nextInt(4) == 0 ? random.nextLong(2000 * MS) : random.nextLong(50 * MS);
            this.stopLatency = random.nextInt(3) == 0 ? random.nextLong(3000 * MS) : random.nextLong(50 * MS);
            this.period = 50 * MS + random.nextLong(450 * MS);
        }

        /** What the driver's work supplier counts: exchanges in flight, and a delegate that runs, starts or stops. */
        int pending() {
            return inFlight + (state == State.STOPPED ? 0 : 1);
        }

        /** The epoch of the term the routes are told this process leads in, or -1. */
        long allowed(Process p) {
            return p.alive && !p.stopping && p.name.equals(p.turn.routesLeader()) ? p.elector.epoch() : -1;
        }

        /** After every call to the turn: starts or stops the delegate as the election event would. */
        void decide(Process p) {
            long allowed = allowed(p);
            if (state == State.STOPPED && allowed >= 0) {
                state = State.STARTING;
                epoch = allowed;
                long t = ++token;
                at(p, now() + startLatency, () -> {
                    if (token == t && state == State.STARTING) {
                        state = State.RUNNING;
                        log(p, "  delegate runs in epoch " + epoch);
                        tick(p, t);
                        decide(p);
                    }
                });
            } else if ((state == State.STARTING || state == State.RUNNING) && allowed != epoch) {
                State was = state;
                state = State.STOPPING;
                long t = ++token;
                if (was == State.RUNNING) {
                    tick(p, t); // it goes on offering exchanges until its stop completes
                }
                at(p, now() + stopLatency, () -> {
                    if (token == t) {
                        state = State.STOPPED;
                        log(p, "  delegate stopped");
                        decide(p);
                    }
                });
            }
        }

        /** The delegate's next exchange, a period from now, while it runs or stops. */
        void tick(Process p, long t) {
            at(p, now() + period, () -> {
                if (token != t || state == State.STOPPED || state == State.STARTING) {
                    return;
                }
                offer(p);
                tick(p, t);
            });
        }

        /** The gate: the exchange runs only while the term the delegate was started in may act. */
        void offer(Process p) {
            long local = p.local();
            boolean mayAct = p.name.equals(p.turn.routesLeader()) && p.elector.epoch() == epoch
                             && (gate == Gate.IGNORES_CLOCK || local < p.turn.routesMayActUntil());
            if (!mayAct) {
                refused++;
                return;
            }
            started(p, epoch);
            inFlight++;
            long duration = random.nextInt(20) == 0 ? random.nextLong(4000 * MS) : random.nextLong(300 * MS);
            long e = epoch;
            at(p, now() + duration, () -> {
                inFlight--; // a draining handover sees it at its next poll
                act(e);
            });
        }
    }

    /**
     * An exchange starts: it must start inside its process's window, and after every exchange of an older term; one of
     * another process still in flight is counted (the fence is what stops its action).
     */
    private void started(Process p, long epoch) {
        Window w = p.window;
        if (w == null || w.epoch != epoch || now() > w.end) {
            fail(w, null, p + " starts an exchange of epoch " + epoch + " outside its window " + w);
        }
        for (int i = exchanges.size() - 1; i >= 0; i--) {
            Exchange x = exchanges.get(i);
            if (x.process() != p && x.epoch() >= epoch) {
                String what = p + " starts an exchange of epoch " + epoch + " after " + x.process()
                              + " started one of epoch " + x.epoch() + " at " + x.startedAt() / MS + " ms";
                boolean together = w != null && x.window() != null && x.window().end > w.start;
                // while the other's window was still open: two actors; after it closed: an epoch that did not grow
                fail(w, together ? x.window() : null, what);
                break;
            }
        }
        for (Process q : processes) {
            if (q != p && q.alive && q.work.inFlight > 0) {
                inFlightOverlaps++;
                log(p, "  starts an exchange while " + q + " has " + q.work.inFlight + " in flight (fenced)");
            }
        }
        exchanges.add(new Exchange(p, epoch, now(), w));
        log(p, "  exchange starts in epoch " + epoch);
    }

    /** An exchange's action reaches the receiver, which refuses an epoch below one it has accepted. */
    private void act(long epoch) {
        if (epoch < fencedAbove) {
            fenced++;
        } else {
            fencedAbove = epoch;
        }
    }

    // ------------------------------------------------------------------------------------------ invariants

    /** One term of one process: when it began to act, and until when it may act (by its own clock). */
    private static final class Window {
        final Process process;
        final long epoch;
        final long start;
        final boolean blind;
        long end;

        Window(Process process, long epoch, long start, long end, boolean blind) {
            this.process = process;
            this.epoch = epoch;
            this.start = start;
            this.end = end;
            this.blind = blind;
        }

        @Override
        public String toString() {
            return process + " epoch " + epoch + " [" + String.format("%.3f", start / 1e6) + ", "
                   + String.format("%.3f", end / 1e6) + ") ms";
        }
    }

    private void afterCall(Process p) {
        p.work.decide(p);
        Elector e = p.elector;
        if (!e.leads()) {
            closeWindow(p);
            return;
        }
        long end = p.virtual(e.mayActUntil());
        if (p.window == null || p.window.epoch != e.epoch()) {
            closeWindow(p);
            Window w = new Window(p, e.epoch(), now(), end, p.blindCreate && leaseDeleted);
            log(p, "  ACTS in epoch " + e.epoch() + " until " + String.format("%.3f", end / 1e6));
            if (w.blind) {
                blindAfterDeletion = true;
            }
            if (e.epoch() <= highestTermEpoch) {
                fail(w, null, "term " + w + " has epoch " + e.epoch() + ", not above the " + highestTermEpoch
                              + " of an earlier term");
            }
            highestTermEpoch = Math.max(highestTermEpoch, e.epoch());
            p.window = w;
            windows.add(w);
        } else {
            p.window.end = Math.max(p.window.end, end);
        }
        for (Window other : windows) {
            if (other.process != p && other.start < p.window.end && p.window.start < other.end) {
                fail(p.window, other, "two processes may act at once: " + other + " and " + p.window);
            }
        }
    }

    private void closeWindow(Process p) {
        if (p.window != null) {
            p.window.end = Math.min(p.window.end, now());
            p.window = null;
        }
    }

    private void checkSomeoneActs(String when) {
        for (Window w : windows) {
            if (w.process.alive && w.start <= now() && now() < w.end) {
                return;
            }
        }
        fail(null, null, "no replica acts " + when + " (" + String.format("%.3f", now() / 1e6) + " ms)");
    }

    /**
     * Records a violation, or counts it apart as the documented limit, which needs the Lease deleted: two actors where
     * one term was created by a process that never saw the Lease (it cannot know the old term), or spans the deletion
     * while the other began after such a creation; an epoch not above an earlier one after such a creation, or after
     * the Lease came back below its newest epoch because no replica that knew the newest could put it back first.
     */
    private void fail(Window a, Window b, String what) {
        boolean epochCheck = a != null && b == null;
        // an epoch below an earlier one follows from a blind creation or a lost epoch for good; two actors are excused
        // only where one of the two terms is itself the blind creation's
        boolean limit = epochCheck ? blindAfterDeletion || epochLostWithLease
                : a != null && b != null && (a.blind || b.blind);
        if (limit) {
            limitation = true;
            log(null, "LIMIT " + what);
            return;
        }
        violation = what;
        log(null, "VIOLATION " + what);
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

    /** What a run found. */
    /**
     * What a run found: besides the verdict, the exchanges started, those its gate refused (offered outside their
     * term's window: a delegate not stopped yet, a timer firing after a pause), the actions the receiver's fence refused
     * (an exchange of an older epoch ending after a newer one acted), and the exchanges still in flight when another
     * replica started one of a newer term.
     */
    record Outcome(long seed, String violation, boolean limitation, int terms, long events, int faults, long exchanges,
                   long refused, long fenced, long inFlightOverlaps, long releasesWithWork) {
    }
}
