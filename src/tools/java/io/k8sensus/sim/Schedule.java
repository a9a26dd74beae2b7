package io.k8sensus.sim;

import io.k8sensus.elector.Timings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Everything one simulated run is made of, drawn from one seed: the replicas (their timings, clock rates, offsets and
 * start times), the groups each runs, the faults and when they stop, and what is checked besides safety. The faults
 * are drawn from a stream of their own, so that a schedule can be shrunk (faults left out) while every other draw
 * stays the same. {@link #draw} draws the election's schedules (every API fault, 1-3 groups, balancing on);
 * {@link #drawBalance} balancing's (staggered starts, 1-12 groups, the placement checked after the faults).
 *
 * @param seed      the seed: the same seed gives the same schedule and the same run
 * @param timings   per replica
 * @param rates     per replica: how fast its monotonic clock runs against virtual time
 * @param startMs   per replica: when its first process starts
 * @param groups    how many groups every replica runs ({@code g0}, {@code g1}, ...), each a Lease and a route
 * @param faults    the faults, all over by {@code faultsEndMs}
 * @param faultsEndMs when the last fault is over: from then on every group must be led within the bound
 * @param balanceChecked whether the placement is checked after the faults: balanced within a bound, then stable
 * @param runs      per replica: the groups it runs at its start (its route files); reloads change them later
 */
record Schedule(
        long seed,
        List<Timings> timings,
        double[] rates,
        long[] startMs,
        int groups,
        List<Fault> faults,
        long faultsEndMs,
        boolean balanceChecked,
        List<Set<String>> runs) {

    /** Every replica runs every group. */
    Schedule(
            long seed,
            List<Timings> timings,
            double[] rates,
            long[] startMs,
            int groups,
            List<Fault> faults,
            long faultsEndMs,
            boolean balanceChecked) {
        this(
                seed,
                timings,
                rates,
                startMs,
                groups,
                faults,
                faultsEndMs,
                balanceChecked,
                Collections.nCopies(timings.size(), Set.copyOf(names(groups))));
    }

    /** One group, every replica from the start, the election's checks only. */
    Schedule(long seed, List<Timings> timings, double[] rates, List<Fault> faults, long faultsEndMs) {
        this(seed, timings, rates, new long[timings.size()], 1, faults, faultsEndMs, false);
    }

    /** The timings every replica has unless a rollout mixes them: the short ones of the tests. */
    static final Timings BASE = new Timings(3000, 2000, 500, 1.2);
    /** Timings of a rollout that changes them: one longer, one shorter, both valid. */
    static final List<Timings> MIXED = List.of(new Timings(4000, 2500, 500, 1.2), new Timings(2000, 1300, 300, 1.2));
    /** How far a clock's rate may be from virtual time's, either way. */
    static final double MAX_RATE_SKEW = 0.05;
    /** A hand edit of the lease duration shortens it to this, or lengthens it to {@link #EDIT_LONG_MS}. */
    static final long EDIT_SHORT_MS = 1000;

    static final long EDIT_LONG_MS = 60_000;

    /**
     * The call timeout of a replica with these timings: below the renew deadline, as the settings require, in the
     * proportion of the defaults (8 s of 10 s).
     */
    static long callTimeoutMs(Timings t) {
        return t.renewDeadlineMs() * 4 / 5;
    }

    static Schedule draw(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int replicas = 2 + random.nextInt(3);
        boolean mixed = random.nextInt(4) == 0;
        List<Timings> timings = new ArrayList<>();
        double[] rates = new double[replicas];
        for (int i = 0; i < replicas; i++) {
            timings.add(mixed && random.nextBoolean() ? MIXED.get(random.nextInt(MIXED.size())) : BASE);
            rates[i] = 1 + (random.nextDouble() * 2 - 1) * MAX_RATE_SKEW;
        }
        long faultsEndMs = 3000 + random.nextLong(12_000);
        // two thirds of the schedules run one group; the others two or three, so that the balancer moves some
        int groups = random.nextInt(3) == 0 ? 2 + random.nextInt(2) : 1;
        SplittableRandom faultRandom = random.split();
        int count = 1 + faultRandom.nextInt(6);
        List<Fault> faults = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            faults.add(drawFault(faultRandom, replicas, groups, faultsEndMs));
        }
        return new Schedule(
                seed, List.copyOf(timings), rates, new long[replicas], groups, List.copyOf(faults), faultsEndMs, false);
    }

    /**
     * A balancing schedule: 2-5 replicas with the base timings on true clocks, starting at random times in the first
     * 8 s (the first to start takes every group), 1-12 groups, then up to four crashes (Pod deleted or left Ready),
     * graceful stops, pauses and Pods turning NotReady.
     */
    static Schedule drawBalance(long seed) {
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
            faults.add(new Fault(kind, r.nextInt(replicas), at, length, r.nextInt(2)));
        }
        // a third of the schedules: replicas that do not run every group (route files that differ per replica), and
        // reloads that add or remove a group on one replica at a time, as a rollout of route files does
        SplittableRandom sets = r.split();
        List<Set<String>> runs = new ArrayList<>();
        boolean uneven = sets.nextInt(3) == 0;
        for (int i = 0; i < replicas; i++) {
            Set<String> runsHere = new TreeSet<>(names(groups));
            if (uneven && groups > 1) {
                for (String g : names(groups)) {
                    if (sets.nextInt(4) == 0) {
                        runsHere.remove(g);
                    }
                }
            }
            runs.add(Set.copyOf(runsHere));
        }
        if (uneven) {
            int reloads = sets.nextInt(4);
            long reloadAt = 9000;
            for (int i = 0; i < reloads; i++) {
                reloadAt += sets.nextLong(5000);
                Fault.Kind kind = sets.nextBoolean() ? Fault.Kind.GROUP_REMOVED : Fault.Kind.GROUP_ADDED;
                faults.add(new Fault(kind, sets.nextInt(replicas), reloadAt, 0, 0, sets.nextInt(groups)));
            }
            at = Math.max(at, reloadAt);
        }
        long end = faults.stream().mapToLong(Fault::untilMs).max().orElse(at);
        long lastStart = Arrays.stream(starts).max().orElse(0);
        double[] rates = new double[replicas];
        Arrays.fill(rates, 1.0);
        return new Schedule(
                seed,
                Collections.nCopies(replicas, BASE),
                rates,
                starts,
                groups,
                List.copyOf(faults),
                Math.max(Math.max(end, at), lastStart),
                true,
                List.copyOf(runs));
    }

    private static List<String> names(int groups) {
        List<String> names = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            names.add("g" + g);
        }
        return names;
    }

    /**
     * The bound on balancing, in lease durations after the last fault: a lease for a returning replica to count, five
     * for a candidate left out of moves (it let a handover go) to count again, and two per group for its move (one
     * whose exchanges outlast a lease is abandoned, then tried again a lease later).
     */
    long balanceBoundMs() {
        return (6 + 2L * groups) * maxLeaseMs();
    }

    /** The groups' names. */
    List<String> groupNames() {
        return names(groups);
    }

    /** The faults drawn at random: all but the reloads, which the balancing schedules place themselves. */
    private static final List<Fault.Kind> ELECTION_FAULTS = Arrays.stream(Fault.Kind.values())
            .filter(k -> k != Fault.Kind.GROUP_ADDED && k != Fault.Kind.GROUP_REMOVED)
            .toList();

    private static Fault drawFault(SplittableRandom r, int replicas, int groups, long endMs) {
        Fault.Kind kind = ELECTION_FAULTS.get(r.nextInt(ELECTION_FAULTS.size()));
        int replica = r.nextInt(replicas);
        long at = 500 + r.nextLong(Math.max(1, endMs - 600));
        long longest = endMs - at;
        long lease = BASE.leaseDurationMs();
        long forMs = switch (kind) {
            case PAUSE -> 100 + r.nextLong(2 * lease); // shorter than the renew deadline, or past the lease
            case LEASE_DELETED, FOREIGN_HOLDER, DURATION_EDIT, SPEC_EDIT, LEASE_RESTORED -> 0;
            default -> 100 + r.nextLong(lease + 2000);
        };
        forMs = Math.min(forMs, longest);
        long param = switch (kind) {
            case CRASH, POD_NOT_READY, STEP_DOWN -> r.nextInt(2);
            case SLOW_API -> 100 + r.nextLong(2 * BASE.renewDeadlineMs()); // up to 2 R: past the call timeout
            case WATCH_LAG -> 100 + r.nextLong(2000);
            case FOREIGN_HOLDER -> r.nextInt(replicas + 1) - 1;
            case METADATA_TOUCH -> 50 + r.nextLong(400);
            case DURATION_EDIT, SPEC_EDIT -> r.nextBoolean() ? EDIT_SHORT_MS : EDIT_LONG_MS;
            case LEASE_RESTORED -> 1 + r.nextInt(8);
            case SLOW_LISTENER -> 100 + r.nextLong(3000);
            default -> 0;
        };
        int group = groups > 1 ? r.nextInt(groups) : 0;
        boolean everyone = (kind == Fault.Kind.SLOW_API || kind == Fault.Kind.API_DOWN) && r.nextInt(3) == 0;
        boolean nobody = switch (kind) {
            case LEASE_DELETED, FOREIGN_HOLDER, METADATA_TOUCH, DURATION_EDIT, SPEC_EDIT, LEASE_RESTORED, STEP_DOWN ->
                true;
            default -> false;
        };
        return new Fault(kind, everyone || nobody ? -1 : replica, at, forMs, param, group);
    }

    /** The same schedule without the faults whose indexes are not in {@code keep}. */
    Schedule keeping(List<Integer> keep) {
        List<Fault> kept = new ArrayList<>();
        for (int i : keep) {
            kept.add(faults.get(i));
        }
        return new Schedule(
                seed, timings, rates, startMs, groups, List.copyOf(kept), faultsEndMs, balanceChecked, runs);
    }

    /** The longest lease duration of the replicas. */
    long maxLeaseMs() {
        return timings.stream().mapToLong(Timings::leaseDurationMs).max().orElseThrow();
    }

    /**
     * The longest lease duration a follower may have to wait: the replicas' own, or a longer one written by hand (an
     * edit that lengthens the lease is honoured until the holder writes its own back, and for good if it cannot).
     */
    long longestWaitMs() {
        long edited = faults.stream()
                .filter(f -> f.kind() == Fault.Kind.DURATION_EDIT || f.kind() == Fault.Kind.SPEC_EDIT)
                .mapToLong(Fault::param)
                .max()
                .orElse(0);
        return Math.max(maxLeaseMs(), edited);
    }

    /**
     * How long after the faults end a leader must act, at the latest: writes sent during the faults may still land
     * (1.5 call timeouts late at most), watch events may come 2 s late, then the last spec seen must stay unchanged
     * for the longest wait ({@link #longestWaitMs}) on the slowest clock, and a follower looks every retry period; 1 s
     * for the requests of the takeover.
     */
    long boundMs() {
        long callTimeout =
                timings.stream().mapToLong(Schedule::callTimeoutMs).max().orElseThrow();
        long retry = timings.stream()
                .mapToLong(t -> t.maxRetryNanos() / 1_000_000)
                .max()
                .orElseThrow();
        return 3 * callTimeout / 2 + 2000 + (long) (longestWaitMs() / (1 - MAX_RATE_SKEW)) + 2 * retry + 1000;
    }
}
