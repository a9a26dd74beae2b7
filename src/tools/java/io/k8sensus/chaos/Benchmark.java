package io.k8sensus.chaos;

import io.k8sensus.tools.DocBlock;
import io.k8sensus.tools.RunConditions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Failover, handover, overlap, API cost, start-up and memory of three {@link Contender}s, as real processes on the
 * same embedded API with the same timings. The phases, in order: the memory breakdown ({@link MemoryBreakdown}), API
 * cost at scale ({@link ApiCostScaling}), balancing ({@link BalanceBenchmark}), rolling updates
 * ({@link RolloutBenchmark}), a slow API server ({@link SlowApiBenchmark}), then the takeover trials
 * ({@link FailoverTrial}) of every contender and timings interleaved in a random order drawn from a seed; before the
 * first, each contender's class-data archive is trained on its own start ({@link ClassDataArchives}). Every value is
 * a {@link Sample}, summarized by {@link BenchmarkReport}; the options and what they write are in
 * {@link BenchmarkOptions#USAGE}. Nothing of an earlier run is kept: every table of a block comes from one run.
 */
public final class Benchmark {

    static final Map<String, ChaosCluster.Timings> TIMINGS = Map.of(
            "short", new ChaosCluster.Timings(3000, 2000, 500, 1600, 500),
            "default", new ChaosCluster.Timings(15000, 10000, 2000, 8000, 1000));

    private Benchmark() {}

    public static void main(String[] args) throws Exception {
        BenchmarkOptions options = BenchmarkOptions.parseOrExit(args);
        Path jar = Path.of("target", "k8sensus.jar");
        Path out = options.out();
        RunConditions load = new RunConditions();
        String commit = RunConditions.commit(); // what was built and measured, whatever changes meanwhile
        long seed = options.seed() != null ? options.seed() : new SecureRandom().nextLong() & Long.MAX_VALUE;
        List<Trial> order = trialOrder(options, seed);
        String first = options.timings().get(0);
        if (options.classData()) {
            // each contender's own archive, trained the same way for each, before anything is measured
            List<Contender> trained = new ArrayList<>(options.contenders());
            if (!trained.contains(Contender.K8SENSUS)
                    && (!options.balance().isEmpty() || !options.rollout().isEmpty())) {
                trained.add(Contender.K8SENSUS); // the balancing and rolling-update phases run k8sensus alone
            }
            ClassDataArchives.train(trained, jar, TIMINGS.get(first), out.resolve("class-data"));
        }
        String method = method(options, seed, order);
        System.out.println("[bench] " + method);
        Supplier<String> provenance = () -> provenance(args, commit, load, options, seed);
        Supplier<String> record = () -> provenance.get() + "\n" + method + "\n";
        List<Sample> samples = new ArrayList<>();
        if (options.memory()) {
            for (Contender contender : options.contenders()) {
                List<Sample> breakdown = MemoryBreakdown.measure(contender, first, TIMINGS.get(first), jar, out);
                samples.addAll(breakdown);
                System.out.printf("[bench] %s %s memory: %s%n", contender.label, first, brief(breakdown));
            }
            write(samples, out, record);
        }
        for (int[] size : options.scaling()) {
            for (Contender contender : options.contenders()) {
                samples.addAll(ApiCostScaling.run(contender, first, TIMINGS.get(first), jar, size[0], size[1]));
            }
            write(samples, out, record);
        }
        for (int[] size : options.balance()) {
            for (boolean on : new boolean[] {true, false}) {
                samples.addAll(BalanceBenchmark.run(first, TIMINGS.get(first), jar, size[0], size[1], on));
                write(samples, out, record);
            }
        }
        for (int[] size : options.rollout()) {
            for (boolean uneven : new boolean[] {false, true}) {
                for (boolean on : new boolean[] {true, false}) {
                    samples.addAll(RolloutBenchmark.run(
                            first,
                            TIMINGS.get(first),
                            jar,
                            new RolloutBenchmark.Variant(size[0], size[1], on, uneven),
                            out));
                    write(samples, out, record);
                }
            }
        }
        // the contenders in turn within each run, so that a change of load on the machine falls on both
        for (SlowApiBenchmark.Level level : options.slowApi()) {
            for (int run = 1; run <= options.slowApiRuns(); run++) {
                for (Contender contender : options.contenders()) {
                    List<Sample> window = SlowApiBenchmark.run(contender, level, jar, run);
                    samples.addAll(window);
                    System.out.printf(
                            "[bench] %s slow API %s run %d/%d: %s%n",
                            contender.label, level.name(), run, options.slowApiRuns(), brief(window));
                }
                if (options.fabric8Defaults()) {
                    List<Sample> window = SlowApiBenchmark.runFabric8Defaults(level, run);
                    samples.addAll(window);
                    System.out.printf(
                            "[bench] %s slow API %s run %d/%d: %s%n",
                            SlowApiBenchmark.FABRIC8_DEFAULTS, level.name(), run, options.slowApiRuns(), brief(window));
                }
                write(samples, out, record);
            }
        }
        // the takeover trials of every timings and contender interleaved in one random order, so that a change of
        // load on the machine falls on all of them alike
        int done = 0;
        for (Trial trial : order) {
            List<Sample> trialSamples =
                    FailoverTrial.run(trial.contender(), trial.timings(), TIMINGS.get(trial.timings()), jar, trial.n());
            samples.addAll(trialSamples);
            System.out.printf(
                    "[bench] %s %s trial %d/%d (%d of %d in the run's order): %s%n",
                    trial.contender().label,
                    trial.timings(),
                    trial.n(),
                    options.trials(),
                    ++done,
                    order.size(),
                    brief(trialSamples));
            write(samples, out, record);
        }
        write(samples, out, record);
        List<Sample> slow = samples.stream().filter(SlowApiBenchmark::isOfIt).toList();
        List<Sample> main =
                samples.stream().filter(s -> !SlowApiBenchmark.isOfIt(s)).toList();
        String document = BenchmarkReport.document(main, provenance.get());
        String slowDocument = slow.isEmpty() ? null : BenchmarkReport.slowApi(slow, provenance.get());
        if (options.mainPhases()) {
            System.out.println(document);
        }
        if (slowDocument != null) {
            System.out.println(slowDocument);
        }
        System.out.println("written to " + out);
        // each block from the phases that measure it: a run of one phase leaves the other's tables as they are
        if (options.write() != null && options.mainPhases()) {
            DocBlock.write(options.write(), "bench", document);
            System.out.println("written to " + options.write());
        }
        if (options.rolloutWrite() != null) {
            DocBlock.write(
                    options.rolloutWrite(),
                    "bench-rollout",
                    provenance.get().strip() + "\n\n" + BenchmarkReport.rollout(samples));
            System.out.println("written to " + options.rolloutWrite());
        }
        if (options.write() != null && slowDocument != null) {
            DocBlock.write(options.write(), "bench-slow-api", slowDocument);
            System.out.println("written to " + options.write() + " (block bench-slow-api)");
        }
        if (options.summary() != null && options.mainPhases()) {
            DocBlock.write(options.summary(), "bench-summary", BenchmarkReport.summary(main, provenance.get()));
            System.out.println("written to " + options.summary());
        }
    }

    /** One takeover trial of the run: its contender, timings and number among that pair's trials. */
    record Trial(Contender contender, String timings, int n) {

        @Override
        public String toString() {
            return contender.label + "/" + timings + "#" + n;
        }
    }

    /** Every takeover trial of the run, in the random order of {@code seed}: the same seed, the same order. */
    static List<Trial> trialOrder(BenchmarkOptions options, long seed) {
        List<Trial> trials = new ArrayList<>();
        for (String timings : options.timings()) {
            for (Contender contender : options.contenders()) {
                for (int n = 1; n <= options.trials(); n++) {
                    trials.add(new Trial(contender, timings, n));
                }
            }
        }
        Collections.shuffle(trials, new Random(seed));
        return trials;
    }

    /** How the run treats its contenders, and the order of its trials, for run.md. */
    private static String method(BenchmarkOptions options, long seed, List<Trial> order) {
        return "Class-data archives: "
                + (options.classData() ? ClassDataArchives.describe(options.contenders()) : "none for any contender")
                + ".\nTakeover trials in a random order, seed " + seed + " (`--seed "
                + seed + "` runs them in the same order): "
                + (order.isEmpty()
                        ? "none"
                        : String.join(", ", order.stream().map(Trial::toString).toList())) + ".";
    }

    private static List<String> brief(List<Sample> samples) {
        return samples.stream()
                .map(s -> s.figure() + "=" + BenchmarkReport.format(s.value()))
                .toList();
    }

    /**
     * Writes what this run measured so far (a long run stopped midway still leaves its results), and nothing of an
     * earlier run: every sample in samples.csv, the summary in results.csv, the chart (if the run has takeover
     * trials), the provenance in run.md.
     */
    private static void write(List<Sample> samples, Path out, Supplier<String> provenance) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("samples.csv"), BenchmarkReport.samplesCsv(samples));
        Files.writeString(out.resolve("results.csv"), BenchmarkReport.csv(samples));
        Files.writeString(out.resolve("run.md"), provenance.get());
        if (samples.stream().anyMatch(s -> s.figure().equals("graceful-handover"))) {
            FailoverChart.write(samples, out.resolve("failover.png")); // a run without takeover trials has no chart
        }
    }

    /**
     * When, where, from which commit and with which command this run measured, how busy the machine was, and how the
     * contenders were treated (class-data archives, the trials' order).
     */
    static String provenance(String[] args, String commit, RunConditions load, BenchmarkOptions options, long seed) {
        return "Run of " + LocalDate.now() + " at " + commit + ", one run for every figure"
                + " below: `" + BenchmarkReport.command(args) + "`. Machine: " + RunConditions.machine() + "; every"
                + " process of a trial shares the cores with the harness"
                + (load.describe().isEmpty() ? "" : "; " + load.describe()) + ". Every contender's replicas "
                + (options.classData()
                        ? "map a class-data archive trained on that contender's own start"
                        : "run without a class-data archive")
                + (options.trials() > 0
                        ? "; the takeover trials ran" + " interleaved in a random order (seed " + seed + ", in run.md)"
                        : "")
                + ".\n";
    }
}
