package io.k8sensus.sim;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.k8sensus.tools.CommandLine;

/**
 * Runs many schedules of the deterministic simulation ({@code make simulate}), on every core, and reports
 * schedules per second, faults per schedule, terms, the runs that hit the documented limit, and violations. A
 * violation prints its seed, the shrunk schedule (the fewest faults that still fail) and its trace; the seed replays
 * it: {@code make simulate ARGS="--seed N"}.
 * <pre>
 * --schedules N   how many (default 100000)      --from S     the first seed (default 1)
 * --seed S        replay one schedule, with its trace, and shrink it if it fails
 * --threads T     default: the number of cores
 * --write FILE    put the figures in FILE's generated block "simulation" (docs/RELIABILITY.md)
 * </pre>
 */
public final class Simulator {

    /** What a batch of runs found. */
    record Summary(long schedules, long violations, long limitations, long faults, long terms, long events,
                   Work work, long moves, long nanos, Simulation.Outcome firstViolation) {

        double perSecond() {
            return schedules / (nanos / 1e9);
        }

        String describe() {
            return String.format(Locale.ROOT, "%,d schedules in %.1f s (%,.0f/s), %.1f faults and %.1f terms per"
                                              + " schedule, %,d events; documented limit hit in %d; violations: %d",
                    schedules, nanos / 1e9, perSecond(), faults / (double) schedules, terms / (double) schedules,
                    events, limitations, violations) + "\n" + work.describe()
                   + String.format(Locale.ROOT, "\ngroups moved by the balancer: %,d", moves);
        }
    }

    /** What the leader-only exchanges of all runs did. */
    record Work(long exchanges, long refused, long fenced, long inFlightOverlaps) {

        String describe() {
            return String.format(Locale.ROOT, "exchanges started: %,d; refused by the term's gate: %,d; actions refused"
                                              + " by the fence: %,d; starts while another replica had one in flight: %,d",
                    exchanges, refused, fenced, inFlightOverlaps);
        }
    }

    private Simulator() {
    }

    /** Runs seeds {@code from .. from + count - 1} on {@code threads} threads; {@code progress} may be null. */
    static Summary run(long from, long count, int threads, PrintStream progress) throws Exception {
        AtomicLong next = new AtomicLong(from);
        AtomicLong done = new AtomicLong();
        AtomicLong violations = new AtomicLong();
        AtomicLong limitations = new AtomicLong();
        AtomicLong faults = new AtomicLong();
        AtomicLong terms = new AtomicLong();
        AtomicLong events = new AtomicLong();
        AtomicLong exchanges = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        AtomicLong fenced = new AtomicLong();
        AtomicLong overlaps = new AtomicLong();
        AtomicLong moves = new AtomicLong();
        AtomicReference<Simulation.Outcome> first = new AtomicReference<>();
        long end = from + count;
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    for (long seed = next.getAndIncrement(); seed < end; seed = next.getAndIncrement()) {
                        Simulation.Outcome outcome = Simulation.run(Schedule.draw(seed), null);
                        faults.addAndGet(outcome.faults());
                        terms.addAndGet(outcome.terms());
                        events.addAndGet(outcome.events());
                        exchanges.addAndGet(outcome.exchanges());
                        refused.addAndGet(outcome.refused());
                        fenced.addAndGet(outcome.fenced());
                        overlaps.addAndGet(outcome.inFlightOverlaps());
                        moves.addAndGet(outcome.moves());
                        if (outcome.limitation()) {
                            limitations.incrementAndGet();
                        }
                        if (outcome.violation() != null) {
                            violations.incrementAndGet();
                            first.compareAndSet(null, outcome);
                            if (progress != null) {
                                progress.printf("%nVIOLATION seed %d: %s%n", outcome.seed(), outcome.violation());
                            }
                        }
                        long n = done.incrementAndGet();
                        if (progress != null && n % 10_000 == 0) {
                            progress(progress, n, count, started, violations.get());
                        }
                    }
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        } finally {
            pool.shutdownNow();
        }
        if (progress != null) {
            progress(progress, done.get(), count, started, violations.get());
            progress.println();
        }
        return new Summary(done.get(), violations.get(), limitations.get(), faults.get(), terms.get(), events.get(),
                new Work(exchanges.get(), refused.get(), fenced.get(), overlaps.get()), moves.get(),
                System.nanoTime() - started,
                first.get());
    }

    private static void progress(PrintStream out, long n, long count, long started, long violations) {
        int width = 40;
        int filled = (int) (width * n / count);
        double seconds = (System.nanoTime() - started) / 1e9;
        double rate = n / Math.max(seconds, 1e-9);
        out.printf(Locale.ROOT, "\r[%s%s] %,d/%,d  %,.0f/s  eta %.0f s  violations %d", "#".repeat(filled),
                " ".repeat(width - filled), n, count, rate, (count - n) / rate, violations);
        out.flush();
    }

    /**
     * The smallest schedule, by leaving faults out one at a time, that still fails the same seed's run; with the
     * faults' other draws unchanged, what is left is what it takes.
     */
    static Schedule shrink(Schedule failing) {
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < failing.faults().size(); i++) {
            keep.add(i);
        }
        boolean shrunk = true;
        while (shrunk) {
            shrunk = false;
            for (int i = 0; i < keep.size(); i++) {
                List<Integer> fewer = new ArrayList<>(keep);
                fewer.remove(i);
                if (Simulation.run(failing.keeping(fewer), null).violation() != null) {
                    keep = fewer;
                    shrunk = true;
                    break;
                }
            }
        }
        return failing.keeping(keep);
    }

    /** Replays one seed with its trace; shrinks and replays the shrunk schedule if it fails. */
    static String replay(long seed) {
        Schedule schedule = Schedule.draw(seed);
        StringBuilder out = new StringBuilder();
        out.append("seed ").append(seed).append(": ").append(schedule.timings().size()).append(" replicas, faults end at ")
                .append(schedule.faultsEndMs()).append(" ms, bound ").append(schedule.boundMs()).append(" ms\n");
        schedule.faults().forEach(f -> out.append("  ").append(f).append('\n'));
        StringBuilder trace = new StringBuilder();
        Simulation.Outcome outcome = Simulation.run(schedule, trace);
        if (outcome.violation() == null) {
            out.append(trace).append("no violation\n");
            return out.toString();
        }
        Schedule shrunk = shrink(schedule);
        out.append("VIOLATION: ").append(outcome.violation()).append('\n')
                .append("shrunk to ").append(shrunk.faults().size()).append(" fault(s):\n");
        shrunk.faults().forEach(f -> out.append("  ").append(f).append('\n'));
        StringBuilder shrunkTrace = new StringBuilder();
        Simulation.run(shrunk, shrunkTrace);
        out.append(shrunkTrace);
        return out.toString();
    }

    /** The figures of a run, as Markdown. */
    static String document(Summary s, long from, int threads, String args) {
        return String.format(Locale.ROOT, """
                | schedules | seeds | faults per schedule | terms per schedule | events | documented limit hit | violations | time | schedules/s |
                |---|---|---|---|---|---|---|---|---|
                | %,d | %d to %d | %.2f | %.2f | %,d | %d | **%d** | %.0f s | %,.0f |

                | leader-only exchanges started | refused by the term's gate | actions refused by the fence | started while another replica had one in flight |
                |---|---|---|---|
                | %,d | %,d | %,d | %,d |

                Command: `make simulate ARGS="%s"` (FILE: this document) on %d threads. Machine: %d cores, Java %s. Run on %s.
                """, s.schedules(), from, from + s.schedules() - 1, s.faults() / (double) s.schedules(),
                s.terms() / (double) s.schedules(), s.events(), s.limitations(), s.violations(), s.nanos() / 1e9,
                s.perSecond(), s.work().exchanges(), s.work().refused(), s.work().fenced(), s.work().inFlightOverlaps(),
                args, threads, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.specification.version"), java.time.LocalDate.now());
    }

    public static void main(String[] args) throws Exception {
        CommandLine line = CommandLine.parseOrExit(args, List.of("--schedules", "--from", "--seed", "--threads",
                "--write"), List.of(), "Usage: make simulate ARGS=\"[--schedules N] [--from S] [--threads T]"
                                       + " [--write FILE] | --seed S\"");
        long schedules = line.number("--schedules", 100_000);
        long from = line.number("--from", 1);
        Long seed = line.has("--seed") ? line.number("--seed", 0) : null;
        String write = line.text("--write", null);
        int threads = (int) line.number("--threads", Runtime.getRuntime().availableProcessors());
        if (seed != null) {
            String report = replay(seed);
            System.out.print(report);
            System.exit(report.contains("VIOLATION") ? 1 : 0);
        }
        System.out.printf("simulating %,d schedules from seed %d on %d threads%n", schedules, from, threads);
        Summary summary = run(from, schedules, threads, System.out);
        System.out.println(summary.describe());
        if (write != null) {
            io.k8sensus.tools.DocBlock.write(java.nio.file.Path.of(write), "simulation",
                    document(summary, from, threads, String.join(" ", args).replace("--write " + write, "--write FILE")
                            .strip()));
            System.out.println("written to " + write);
        }
        if (summary.firstViolation() != null) {
            System.out.println("first violation: seed " + summary.firstViolation().seed() + ": "
                               + summary.firstViolation().violation());
            System.out.println("replay it: make simulate ARGS=\"--seed " + summary.firstViolation().seed() + "\"");
            System.exit(1);
        }
    }
}
