package io.k8sensus.sim;

import io.k8sensus.cli.CommandLine;
import io.k8sensus.tools.DocBlock;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

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
 * --checkpoint F  keep the totals in F after every chunk of seeds; run the same command again to go on from there
 * </pre>
 */
public final class Simulator {

    /** What a batch of runs found. */
    record Summary(
            long schedules,
            long violations,
            long limitations,
            long faults,
            long terms,
            long events,
            Work work,
            long moves,
            long nanos,
            Simulation.Outcome firstViolation) {

        double perSecond() {
            return schedules / (nanos / 1e9);
        }

        String describe() {
            return String.format(
                            Locale.ROOT,
                            "%,d schedules in %.1f s (%,.0f/s), %.1f faults and %.1f terms per"
                                    + " schedule, %,d events; documented limit hit in %d; violations: %d",
                            schedules,
                            nanos / 1e9,
                            perSecond(),
                            faults / (double) schedules,
                            terms / (double) schedules,
                            events,
                            limitations,
                            violations)
                    + "\n" + work.describe()
                    + String.format(Locale.ROOT, "\ngroups moved by the balancer: %,d", moves);
        }
    }

    /** What the leader-only exchanges of all runs did. */
    record Work(long exchanges, long refused, long fenced, long inFlightOverlaps) {

        String describe() {
            return String.format(
                    Locale.ROOT,
                    "exchanges started: %,d; refused by the term's gate: %,d; actions refused"
                            + " by the fence: %,d; starts while another replica had one in flight: %,d",
                    exchanges,
                    refused,
                    fenced,
                    inFlightOverlaps);
        }
    }

    private Simulator() {}

    /** Runs seeds {@code from .. from + count - 1} on {@code threads} threads; {@code progress} may be null. */
    static Summary run(long from, long count, int threads, PrintStream progress) throws Exception {
        return run(from, count, threads, progress, null, CHUNK);
    }

    /**
     * As {@link #run(long, long, int, PrintStream)}, in chunks of {@code chunk} seeds; after each chunk the totals so
     * far go to {@code checkpoint} (when not null), and a run started again with the same seeds and checkpoint goes
     * on after its last whole chunk: a run of hours survives a stopped machine.
     */
    static Summary run(long from, long count, int threads, PrintStream progress, Path checkpoint, long chunk)
            throws Exception {
        Totals totals = checkpoint == null ? new Totals(from, count) : Totals.resume(checkpoint, from, count, progress);
        long end = from + count;
        long started = System.nanoTime() - totals.nanos;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            while (totals.next < end) {
                long chunkEnd = Math.min(end, totals.next + chunk);
                runChunk(pool, threads, totals, chunkEnd, progress, started);
                totals.next = chunkEnd;
                totals.nanos = System.nanoTime() - started;
                if (checkpoint != null) {
                    totals.save(checkpoint);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        if (progress != null) {
            progress(progress, totals.schedules, count, started, totals.violations);
            progress.println();
        }
        Simulation.Outcome first =
                totals.firstViolationSeed < 0 ? null : Simulation.run(Schedule.draw(totals.firstViolationSeed), null);
        return new Summary(
                totals.schedules,
                totals.violations,
                totals.limitations,
                totals.faults,
                totals.terms,
                totals.events,
                new Work(totals.exchanges, totals.refused, totals.fenced, totals.overlaps),
                totals.moves,
                totals.nanos,
                first);
    }

    /** Seeds per chunk of a long run: the most a stopped run loses. */
    static final long CHUNK = 50_000;

    private static void runChunk(
            ExecutorService pool, int threads, Totals totals, long chunkEnd, PrintStream progress, long started)
            throws Exception {
        AtomicLong next = new AtomicLong(totals.next);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            workers.add(pool.submit(() -> {
                for (long seed = next.getAndIncrement(); seed < chunkEnd; seed = next.getAndIncrement()) {
                    Simulation.Outcome outcome = Simulation.run(Schedule.draw(seed), null);
                    boolean report = totals.add(outcome);
                    if (outcome.violation() != null && progress != null) {
                        progress.printf("%nVIOLATION seed %d: %s%n", outcome.seed(), outcome.violation());
                    }
                    if (report && progress != null) {
                        progress(progress, totals.done(), totals.count, started, totals.violations());
                    }
                }
            }));
        }
        for (Future<?> worker : workers) {
            worker.get();
        }
    }

    /** The running totals of a run, and the file that keeps them between chunks. */
    static final class Totals {
        final long from;
        final long count;
        long next;
        long schedules;
        long violations;
        long limitations;
        long faults;
        long terms;
        long events;
        long exchanges;
        long refused;
        long fenced;
        long overlaps;
        long moves;
        long nanos;
        long firstViolationSeed = -1;

        Totals(long from, long count) {
            this.from = from;
            this.count = count;
            this.next = from;
        }

        synchronized boolean add(Simulation.Outcome outcome) {
            faults += outcome.faults();
            terms += outcome.terms();
            events += outcome.events();
            exchanges += outcome.exchanges();
            refused += outcome.refused();
            fenced += outcome.fenced();
            overlaps += outcome.inFlightOverlaps();
            moves += outcome.moves();
            if (outcome.limitation()) {
                limitations++;
            }
            if (outcome.violation() != null) {
                violations++;
                if (firstViolationSeed < 0 || outcome.seed() < firstViolationSeed) {
                    firstViolationSeed = outcome.seed();
                }
            }
            schedules++;
            return schedules % 10_000 == 0;
        }

        synchronized long done() {
            return schedules;
        }

        synchronized long violations() {
            return violations;
        }

        void save(Path file) throws IOException {
            Properties p = new Properties();
            try {
                for (Field field : fields()) {
                    p.setProperty(field.getName(), Long.toString(field.getLong(this)));
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            try (var out = Files.newBufferedWriter(temporary)) {
                p.store(out, "make simulate checkpoint: the totals after the seeds before 'next'");
            }
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }

        /** What the file keeps: every field of the totals, the seeds' range (final) and the running totals. */
        private static List<Field> fields() {
            return Arrays.stream(Totals.class.getDeclaredFields())
                    .filter(f -> !Modifier.isStatic(f.getModifiers()))
                    .toList();
        }

        /** The totals kept in {@code file} for the same seeds, or fresh ones (with a line saying why). */
        static Totals resume(Path file, long from, long count, PrintStream progress) throws IOException {
            Totals totals = new Totals(from, count);
            if (!Files.exists(file)) {
                return totals;
            }
            Properties p = new Properties();
            try (var in = Files.newBufferedReader(file)) {
                p.load(in);
            }
            if (Long.parseLong(p.getProperty("from")) != from || Long.parseLong(p.getProperty("count")) != count) {
                throw new IllegalArgumentException("checkpoint " + file + " is of seeds " + p.getProperty("from")
                        + " + " + p.getProperty("count") + ", not " + from + " + " + count
                        + ": remove it or give the same --from and --schedules");
            }
            try {
                for (Field field : fields()) {
                    if (!Modifier.isFinal(field.getModifiers())) { // the running totals: every field but the seeds
                        field.setLong(totals, Long.parseLong(p.getProperty(field.getName())));
                    }
                }
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
            if (progress != null) {
                progress.printf(
                        "resuming from %s: %,d schedules done, next seed %d%n", file, totals.schedules, totals.next);
            }
            return totals;
        }
    }

    private static void progress(PrintStream out, long n, long count, long started, long violations) {
        int width = 40;
        int filled = (int) (width * n / count);
        double seconds = (System.nanoTime() - started) / 1e9;
        double rate = n / Math.max(seconds, 1e-9);
        out.printf(
                Locale.ROOT,
                "\r[%s%s] %,d/%,d  %,.0f/s  eta %.0f s  violations %d",
                "#".repeat(filled),
                " ".repeat(width - filled),
                n,
                count,
                rate,
                (count - n) / rate,
                violations);
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
        out.append("seed " + seed + ": " + schedule.timings().size() + " replicas, faults end at "
                + schedule.faultsEndMs() + " ms, bound " + schedule.boundMs() + " ms\n");
        schedule.faults().forEach(f -> out.append("  ").append(f).append('\n'));
        StringBuilder trace = new StringBuilder();
        Simulation.Outcome outcome = Simulation.run(schedule, trace);
        if (outcome.violation() == null) {
            out.append(trace).append("no violation\n");
            return out.toString();
        }
        Schedule shrunk = shrink(schedule);
        out.append("VIOLATION: ").append(outcome.violation()).append("\nshrunk to ");
        out.append(shrunk.faults().size()).append(" fault(s):\n");
        shrunk.faults().forEach(f -> out.append("  ").append(f).append('\n'));
        Simulation.run(shrunk, out);
        return out.toString();
    }

    /** The figures of a run, as Markdown. */
    static String document(Summary s, long from, int threads, String args) {
        return String.format(
                Locale.ROOT,
                """
                | schedules | seeds | faults per schedule | terms per schedule | events | documented limit hit | violations | time | schedules/s |
                |---|---|---|---|---|---|---|---|---|
                | %,d | %d to %d | %.2f | %.2f | %,d | %d | **%d** | %.0f s | %,.0f |

                | leader-only exchanges started | refused by the term's gate | actions refused by the fence | started while another replica had one in flight |
                |---|---|---|---|
                | %,d | %,d | %,d | %,d |

                Command: `make simulate ARGS="%s"` (FILE: this document) on %d threads. Machine: %d cores, Java %s. Run on %s.
                """,
                s.schedules(),
                from,
                from + s.schedules() - 1,
                s.faults() / (double) s.schedules(),
                s.terms() / (double) s.schedules(),
                s.events(),
                s.limitations(),
                s.violations(),
                s.nanos() / 1e9,
                s.perSecond(),
                s.work().exchanges(),
                s.work().refused(),
                s.work().fenced(),
                s.work().inFlightOverlaps(),
                args,
                threads,
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.specification.version"),
                LocalDate.now());
    }

    public static void main(String[] args) throws Exception {
        CommandLine line = CommandLine.parseOrExit(
                args,
                List.of("--schedules", "--from", "--seed", "--threads", "--write", "--checkpoint"),
                List.of(),
                "Usage: make simulate ARGS=\"[--schedules N] [--from S] [--threads T]"
                        + " [--write FILE] [--checkpoint FILE] | --seed S\"");
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
        String checkpoint = line.text("--checkpoint", null);
        Summary summary =
                run(from, schedules, threads, System.out, checkpoint == null ? null : Path.of(checkpoint), CHUNK);
        System.out.println(summary.describe());
        if (write != null) {
            DocBlock.write(
                    Path.of(write),
                    "simulation",
                    document(
                            summary,
                            from,
                            threads,
                            String.join(" ", args)
                                    .replace("--write " + write, "--write FILE")
                                    .replaceAll("--checkpoint \\S+", "")
                                    .replaceAll(" +", " ")
                                    .strip()));
            System.out.println("written to " + write);
        }
        if (summary.firstViolation() != null) {
            System.out.println(
                    "first violation: seed " + summary.firstViolation().seed() + ": "
                            + summary.firstViolation().violation());
            System.out.println("replay it: make simulate ARGS=\"--seed "
                    + summary.firstViolation().seed() + "\"");
            System.exit(1);
        }
    }
}
