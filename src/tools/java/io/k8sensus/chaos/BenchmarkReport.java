package io.k8sensus.chaos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.DoubleFunction;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * What one benchmark run writes from its own samples, and nothing else: the summary (results.csv), the tables of
 * docs/BENCHMARKS.md and the run's provenance.
 * <p>
 * Statistics: the median and p95 are interpolated between the two nearest ranks (Hyndman and Fan's type 7, the
 * default of R and numpy: for n sorted values x, the p-quantile is x[h] + (h - floor h)(x[h+1] - x[h]) at
 * h = (n - 1)p, counted from 0). A p95 is reported only from {@value #MIN_TRIALS_FOR_P95} trials on: with fewer it
 * would be an interpolation between the two largest values, and the maximum says that better. A sample with no
 * value (no takeover within the wait) counts as infinitely large: a median that reaches one is "none".
 */
final class BenchmarkReport {

    static final int MIN_TRIALS_FOR_P95 = 20;

    /** The figures of the medians tables, in order, with their names for a reader. */
    private static final Map<String, String> HEADLINE = headline();

    private BenchmarkReport() {}

    private static Map<String, String> headline() {
        Map<String, String> figures = new LinkedHashMap<>();
        figures.put("graceful-handover", "graceful handover");
        figures.put("crash-failover-pod-deleted", "crash, Pod deleted");
        figures.put("crash-failover-pod-ready", "crash, Pod left Ready");
        figures.put("api-requests-per-replica", "API requests per replica (3 replicas)");
        figures.put("startup", "start-up");
        figures.put("peak-rss", "peak RSS");
        figures.put("trial-overlapping-actions", "overlapping or stale actions per trial (whole trial)");
        figures.put("trial-both-acting", "longest time two terms both acted (whole trial)");
        return figures;
    }

    /** The p-quantile (0..1) of sorted values, interpolated (type 7); infinite values count as the largest. */
    static double quantile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        double h = (sorted.length - 1) * p;
        int lo = (int) Math.floor(h);
        double fraction = h - lo;
        if (fraction == 0 || lo + 1 >= sorted.length) {
            return sorted[lo];
        }
        if (Double.isInfinite(sorted[lo + 1])) {
            return Double.POSITIVE_INFINITY;
        }
        return sorted[lo] + fraction * (sorted[lo + 1] - sorted[lo]);
    }

    /** The rest of a table's header: a column per contender, then the line under the header. */
    private static String contenderColumns(List<String> contenders) {
        return contenders.stream().map(c -> " " + Contender.titleOf(c) + " |").collect(Collectors.joining()) + "\n|---|"
                + "---|".repeat(contenders.size()) + "\n";
    }

    /** A sample's values, sorted, a missing one (NaN) as infinite. */
    private static double[] sorted(List<Sample> samples) {
        return samples.stream()
                .mapToDouble(Sample::value)
                .map(x -> Double.isNaN(x) ? Double.POSITIVE_INFINITY : x)
                .sorted()
                .toArray();
    }

    /** Median, p95 (or "-" under {@value #MIN_TRIALS_FOR_P95} trials), max and trials per contender, timings, figure. */
    static String csv(List<Sample> samples) {
        StringBuilder csv = new StringBuilder("contender,timings,figure,unit,median,p95,max,trials\n");
        grouped(samples).forEach((key, values) -> {
            double[] v = sorted(values);
            Sample s = values.get(0);
            String p95 = v.length >= MIN_TRIALS_FOR_P95 ? format(quantile(v, 0.95)) : "-";
            csv.append(String.join(
                            ",",
                            s.contender(),
                            s.timings(),
                            s.figure(),
                            s.unit(),
                            format(quantile(v, 0.5)),
                            p95,
                            format(v[v.length - 1]),
                            String.valueOf(v.length)))
                    .append('\n');
        });
        return csv.toString();
    }

    static String samplesCsv(List<Sample> samples) {
        StringBuilder csv = new StringBuilder("contender,timings,trial,figure,unit,value\n");
        samples.forEach(s -> csv.append(String.join(
                        ",",
                        s.contender(),
                        s.timings(),
                        String.valueOf(s.trial()),
                        s.figure(),
                        s.unit(),
                        Double.isNaN(s.value()) ? "none" : String.valueOf(s.value())))
                .append('\n'));
        return csv.toString();
    }

    static List<Sample> parseSamples(List<String> lines) {
        return lines.stream()
                .skip(1)
                .filter(l -> !l.isBlank())
                .map(l -> l.split(","))
                .map(c -> new Sample(
                        c[0],
                        c[1],
                        Integer.parseInt(c[2]),
                        c[3],
                        c[4],
                        c[5].equals("none") ? Double.NaN : Double.parseDouble(c[5])))
                .toList();
    }

    /** Every generated table of docs/BENCHMARKS.md, from this run's samples, under its provenance. */
    static String document(List<Sample> samples, String provenance) {
        StringBuilder md = new StringBuilder(provenance.strip()).append("\n\n");
        List<String> timings = samples.stream()
                .map(Sample::timings)
                .distinct()
                .sorted(Comparator.reverseOrder())
                .toList();
        List<String> contenders =
                samples.stream().map(Sample::contender).distinct().toList();
        for (String timing : timings) {
            md.append(medians(samples, timing, contenders));
        }
        md.append(targets(samples, timings));
        List<Sample> scaling = samples.stream()
                .filter(s -> s.figure().startsWith("api-total-"))
                .toList();
        if (!scaling.isEmpty()) {
            md.append("API requests per second of the whole group at steady state ("
                    + scaling.get(0).timings() + " timings, one trial per size):\n\n| replicas x groups |");
            md.append(contenderColumns(contenders));
            scaling.stream().map(Sample::figure).distinct().forEach(figure -> {
                String[] parts = figure.substring("api-total-".length()).split("-");
                md.append(row(
                        parts[0] + " x " + parts[2],
                        contenders,
                        c -> first(scaling, c, figure, v -> format(v) + "/s")));
            });
            md.append('\n');
        }
        md.append(rollout(samples));
        List<Sample> memory =
                samples.stream().filter(s -> s.figure().startsWith("nmt-")).toList();
        if (!memory.isEmpty()) {
            md.append(
                    "Committed memory of the leader by area, MiB (native memory tracking, at steady state of three"
                            + " replicas; the raw summaries of every replica are in [bench/memory/](bench/memory/)):\n\n| area |");
            md.append(contenderColumns(contenders));
            memory.stream()
                    .map(Sample::figure)
                    .distinct()
                    .filter(f -> memory.stream().anyMatch(s -> s.figure().equals(f) && s.value() >= 0.5))
                    .sorted(Comparator.comparing((String f) -> f.equals("nmt-total") || f.equals("nmt-rss"))
                            .thenComparing(f -> -memory.stream()
                                    .filter(s -> s.figure().equals(f))
                                    .mapToDouble(Sample::value)
                                    .max()
                                    .orElse(0)))
                    .forEach(figure -> md.append(row(
                            figure.equals("nmt-rss") ? "peak RSS (VmHWM)" : figure.substring(4),
                            contenders,
                            c -> first(memory, c, figure, v -> String.format(Locale.ROOT, "%.1f", v)))));
            md.append('\n');
        }
        md.append(
                "Every figure (median and p95 interpolated, p95 only from " + MIN_TRIALS_FOR_P95
                        + " trials on; [samples.csv](bench/samples.csv) has each value):\n\n"
                        + "| contender | timings | figure | unit | median | p95 | max | trials |\n|---|---|---|---|---|---|---|---|\n");
        csv(samples)
                .lines()
                .skip(1)
                .forEach(
                        line -> md.append("| ").append(line.replace(",", " | ")).append(" |\n"));
        return md.toString();
    }

    /**
     * The rolling updates ({@link RolloutBenchmark}), a row per size and variant: "" if the run had none. The longest
     * gap is per group, then its maximum and median over the groups.
     */
    static String rollout(List<Sample> samples) {
        String gap = "rollout-gap-";
        List<String> labels = samples.stream()
                .map(Sample::figure)
                .filter(f -> f.startsWith(gap))
                .map(f -> f.substring(gap.length()))
                .distinct()
                .toList();
        if (labels.isEmpty()) {
            return "";
        }
        String timings = samples.stream()
                .filter(s -> s.figure().startsWith(gap))
                .findFirst()
                .orElseThrow()
                .timings();
        StringBuilder md = new StringBuilder("Rolling updates (" + timings + " timings, routes every "
                + RolloutBenchmark.PERIOD_MS + " ms, one run per row): each replica replaced once, oldest first; a new"
                + " replica starts, " + RolloutBenchmark.SURGE_MS / 1000 + " s after it has started the oldest gets"
                + " SIGTERM, its Pod is deleted once it has exited. \"one short\": the first new replica runs every"
                + " group but the last, g\\<G\\>.\n\n"
                + "| groups x replicas | route sets | balancing | longest gap per group: max / median"
                + " | moves for balance | leader changes | two terms at once | overlapping / stale / regressed"
                + " | after the last step: balanced (off: all led) | groups per replica at the end, most / fewest"
                + " | g\\<G\\>: new terms (its holder stopped) / moves / offered to or held by the replica"
                + " without it |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String label : labels) {
            String[] size = label.split("-")[0].split("x");
            boolean uneven = label.contains("-uneven");
            double[] gaps = sorted(of(samples, gap + label));
            BiFunction<String, String, String> v =
                    (figure, unit) -> value(samples, "rollout-" + figure + "-" + label, unit);
            md.append(row(
                    size[0] + " x " + size[1],
                    uneven ? "one short" : "all the same",
                    label.endsWith("-off") ? "off" : "on",
                    human(gaps[gaps.length - 1], "ms") + " / " + human(quantile(gaps, 0.5), "ms"),
                    v.apply("moves", "moves"),
                    v.apply("leader-changes", "terms"),
                    v.apply("both-acting", "ms"),
                    v.apply("overlapping", "actions") + " / " + v.apply("stale", "actions") + " / "
                            + v.apply("regressed", "terms"),
                    v.apply("rebalanced", "ms"),
                    v.apply("most", "groups") + " / " + v.apply("fewest", "groups"),
                    uneven
                            ? v.apply("only-terms", "terms") + " (" + v.apply("only-holder-stopped", "steps") + ") / "
                                    + v.apply("only-moves", "moves") + " / " + v.apply("only-to-nonrunner", "times")
                                    + "; longest gap " + v.apply("only-gap", "ms")
                            : "-"));
        }
        return md.append('\n').toString();
    }

    /** The one value of a figure, for a reader; "-" if the run has none. */
    private static String value(List<Sample> samples, String figure, String unit) {
        List<Sample> values = of(samples, figure);
        return values.isEmpty() ? "-" : human(values.get(0).value(), unit);
    }

    /**
     * The short form for the README: the medians at the run's longest timings (the shipped ones, when the run has
     * them), under the provenance.
     */
    static String summary(List<Sample> samples, String provenance) {
        List<String> contenders =
                samples.stream().map(Sample::contender).distinct().toList();
        String timing = samples.stream()
                .map(Sample::timings)
                .filter(Benchmark.TIMINGS::containsKey)
                .max(Comparator.comparingLong(t -> Benchmark.TIMINGS.get(t).leaseMs()))
                .orElse("short");
        return provenance.strip() + "\n\n" + medians(samples, timing, contenders);
    }

    /** The headline figures of one timings, a column per contender: median (max). */
    private static String medians(List<Sample> samples, String timing, List<String> contenders) {
        StringBuilder md = new StringBuilder();
        List<Sample> of = samples.stream()
                .filter(s -> s.timings().equals(timing) && HEADLINE.containsKey(s.figure()))
                .toList();
        if (of.isEmpty()) {
            return "";
        }
        ChaosCluster.Timings t = Benchmark.TIMINGS.get(timing);
        md.append("Medians, **").append(timing).append("** timings");
        if (t != null) {
            md.append(" (lease " + t.leaseMs() / 1000.0 + " s, renew deadline " + t.renewMs() / 1000.0
                    + " s, retry period " + t.retryMs() / 1000.0 + " s)");
        }
        md.append(", ").append(trials(of)).append(" trials; the maximum in brackets:\n\n| figure |");
        md.append(contenderColumns(contenders));
        HEADLINE.forEach((figure, title) -> md.append(row(title, contenders, c -> {
            List<Sample> values = of.stream()
                    .filter(s -> s.contender().equals(c) && s.figure().equals(figure))
                    .toList();
            return values.isEmpty() ? "-" : cell(values);
        })));
        return md.append('\n').toString();
    }

    /** k8sensus against its targets, at each timings of the run. */
    private static String targets(List<Sample> samples, List<String> timings) {
        StringBuilder md = new StringBuilder();
        for (String timing : timings) {
            ChaosCluster.Timings t = Benchmark.TIMINGS.get(timing);
            List<Sample> own = samples.stream()
                    .filter(s -> s.contender().equals("k8sensus") && s.timings().equals(timing))
                    .toList();
            if (t == null
                    || Stream.of(
                                    "graceful-handover",
                                    "crash-failover-pod-deleted",
                                    "crash-failover-pod-ready",
                                    "trial-overlapping-actions",
                                    "trial-both-acting",
                                    "startup")
                            .anyMatch(f -> of(own, f).isEmpty())) {
                continue; // not a full trial: no verdict against the targets
            }
            double handover = quantile(sorted(of(own, "graceful-handover")), 0.5);
            List<Sample> crashes = new ArrayList<>(of(own, "crash-failover-pod-deleted"));
            crashes.addAll(of(own, "crash-failover-pod-ready"));
            double[] crash = sorted(crashes);
            long crashBound = t.leaseMs() + t.retryMs();
            double overlapping = of(own, "trial-overlapping-actions").stream()
                    .mapToDouble(Sample::value)
                    .sum();
            double bothActing = of(own, "trial-both-acting").stream()
                    .mapToDouble(Sample::value)
                    .max()
                    .orElse(Double.NaN);
            double[] startup = sorted(of(own, "startup"));
            boolean p95 = startup.length >= MIN_TRIALS_FOR_P95;
            double startupTail = p95 ? quantile(startup, 0.95) : startup[startup.length - 1];
            md.append("Against the targets, **")
                    .append(timing)
                    .append("** timings:\n\n")
                    .append("| target | k8sensus | met |\n|---|---|---|\n")
                    .append(row("graceful handover, median under 1 s", human(handover, "ms"), handover < 1000))
                    .append(row(
                            "crash failover within lease duration + retry period (" + crashBound / 1000.0
                                    + " s), every trial",
                            "max " + human(crash[crash.length - 1], "ms"),
                            crash[crash.length - 1] <= crashBound))
                    .append(row(
                            "no overlapping, stale or regressed action over any whole trial",
                            String.format(
                                    Locale.ROOT,
                                    "%.0f actions; two terms at once: %s",
                                    overlapping,
                                    human(bothActing, "ms")),
                            overlapping == 0 && bothActing < 0))
                    .append(row(
                            "start-up under 2 s, "
                                    + (p95
                                            ? "p95"
                                            : "every trial (fewer than " + MIN_TRIALS_FOR_P95 + " trials: the max)"),
                            human(startupTail, "ms"),
                            startupTail < 2000))
                    .append('\n');
        }
        return md.toString();
    }

    /**
     * The slow-API-server phase ({@link SlowApiBenchmark}) side by side, under its provenance: a row per lateness,
     * columns per contender (actions, leader changes, time with two actors, stale actions; each run's value in run
     * order), then k8sensus against the slow-API targets.
     */
    static String slowApi(List<Sample> samples, String provenance) {
        List<String> contenders =
                samples.stream().map(Sample::contender).distinct().toList();
        List<String> levels = samples.stream()
                .map(s -> slowLevel(s.figure()))
                .distinct()
                .sorted(Comparator.comparingDouble(BenchmarkReport::share))
                .toList();
        ChaosCluster.Timings t = SlowApiBenchmark.timings();
        int runs = (int) samples.stream().mapToInt(Sample::trial).distinct().count();
        StringBuilder md = new StringBuilder(provenance.strip()).append("\n\n");
        String timeouts = contenders.contains(SlowApiBenchmark.FABRIC8_DEFAULTS)
                ? "; for fabric8's elector, fabric8's request and connection timeouts: 1.6 s, or its default 10 s where"
                        + " the column says so)"
                : ", fabric8's request and connection timeouts for its elector)";
        md.append("Every API answer to every replica late by the given share of R for "
                        + SlowApiBenchmark.HOLD_MS / 1000
                        + " s (lease " + t.leaseMs() / 1000.0 + " s, renew deadline R " + t.renewMs() / 1000.0
                        + " s, retry period " + t.retryMs() / 1000.0 + " s, call timeout " + t.callTimeoutMs() / 1000.0
                        + " s" + timeouts + ", three replicas, a leader-only action every " + t.periodMs() + " ms; "
                        + runs + (runs == 1 ? " run" : " runs")
                        + " per contender and lateness, each run's value in turn. *actions*: those done while the API"
                        + " was slow, of the expected in brackets, and (*before*) those of the "
                        + SlowApiBenchmark.BASELINE_MS / 1000 + " s of steady state just before, a baseline of what the"
                        + " machine's load let the action do; *changes*: terms that began then; *two acting*: the time"
                        + " two replicas' terms both acted (`never`); *stale*: actions of a term that had ended.\n\n")
                .append("| lateness |");
        for (String c : contenders) {
            for (String column : List.of("actions", "changes", "two acting", "stale")) {
                md.append(" " + label(c) + ": " + column + " |");
            }
        }
        md.append("\n|---|" + "---|---|---|---|".repeat(contenders.size()) + "\n");
        for (String level : levels) {
            List<String> cells = new ArrayList<>();
            cells.add(level + " (" + SlowApiBenchmark.Level.parse(level).delayMs(t.renewMs()) / 1000.0 + " s)");
            for (String c : contenders) {
                List<Sample> of = samples.stream()
                        .filter(s ->
                                s.contender().equals(c) && slowLevel(s.figure()).equals(level))
                        .toList();
                List<Double> expected = values(of, level, "expected-actions");
                cells.add(join(values(of, level, "actions"), BenchmarkReport::whole)
                        + (expected.isEmpty()
                                ? ""
                                : " (of " + join(expected.stream().distinct().toList(), BenchmarkReport::whole) + ")")
                        + baseline(values(of, level, "baseline-actions")));
                cells.add(join(values(of, level, "leader-changes"), BenchmarkReport::whole));
                cells.add(join(values(of, level, "two-actors"), v -> human(v, "ms")));
                cells.add(join(values(of, level, "stale-actions"), BenchmarkReport::whole));
            }
            md.append(row(cells.toArray(String[]::new)));
        }
        md.append('\n').append(slowApiTargets(samples, levels));
        return md.toString();
    }

    /** k8sensus against the slow-API targets, over every run of each lateness measured. */
    private static String slowApiTargets(List<Sample> samples, List<String> levels) {
        List<Sample> own =
                samples.stream().filter(s -> s.contender().equals("k8sensus")).toList();
        StringBuilder md = new StringBuilder();
        for (String level : levels) {
            double share = share(level);
            List<Double> actions = values(own, level, "actions");
            List<Double> expected = values(own, level, "expected-actions");
            List<Double> changes = values(own, level, "leader-changes");
            List<Double> twoActing = values(own, level, "two-actors");
            if (actions.isEmpty()) {
                continue;
            }
            double worstShare = IntStream.range(0, actions.size())
                    .mapToDouble(i -> actions.get(i) / expected.get(i))
                    .min()
                    .orElse(0);
            double mostChanges =
                    changes.stream().mapToDouble(Double::doubleValue).max().orElse(0);
            double longestTwo =
                    twoActing.stream().mapToDouble(Double::doubleValue).max().orElse(-1);
            String measured = String.format(
                    Locale.ROOT,
                    "lowest share of actions %.1f %%, most changes %.0f," + " two acting: %s",
                    100 * worstShare,
                    mostChanges,
                    human(longestTwo, "ms"));
            if (share == 0.5) {
                md.append(row(
                        "R/2: no leader change, at least 95 % of the expected actions, every run",
                        measured, mostChanges == 0 && worstShare >= 0.95 && longestTwo < 0));
            } else if (share == 0.75) {
                md.append(row(
                        "3R/4: no leader change, at least two thirds of the expected actions, every run",
                        measured,
                        mostChanges == 0 && worstShare >= 2.0 / 3 && longestTwo < 0));
            } else if (share >= 1) {
                md.append(row(level + ": never two acting, every run", measured, longestTwo < 0));
            }
        }
        return md.isEmpty()
                ? ""
                : "k8sensus against the slow-API-server targets:\n\n| target | k8sensus | met |\n|---|---|---|\n" + md
                        + "\n";
    }

    /** "; before: 50, 49 (of 50)": the actions of the steady state just before the API turned slow. */
    private static String baseline(List<Double> values) {
        return values.isEmpty()
                ? ""
                : "; before: " + join(values, BenchmarkReport::whole) + " (of "
                        + SlowApiBenchmark.BASELINE_MS / SlowApiBenchmark.PERIOD_MS + ")";
    }

    /** A contender's name in the slow-API table, its variant with fabric8's default timeout included. */
    private static String label(String contender) {
        return contender.equals(SlowApiBenchmark.FABRIC8_DEFAULTS)
                ? "fabric8 LeaderElector, 10 s timeout"
                : Contender.titleOf(contender);
    }

    /** "R/2" of "slow-api-R/2-leader-changes". */
    private static String slowLevel(String figure) {
        String rest = figure.substring("slow-api-".length());
        return SlowApiBenchmark.FIGURES.stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .filter(m -> rest.endsWith("-" + m))
                .findFirst()
                .map(m -> rest.substring(0, rest.length() - m.length() - 1))
                .orElse(rest);
    }

    private static double share(String level) {
        SlowApiBenchmark.Level l = SlowApiBenchmark.Level.parse(level);
        return (double) l.numerator() / l.denominator();
    }

    /** One measure's values at one level, in run order. */
    private static List<Double> values(List<Sample> samples, String level, String measure) {
        String figure = SlowApiBenchmark.figure(SlowApiBenchmark.Level.parse(level), measure);
        return samples.stream()
                .filter(s -> s.figure().equals(figure))
                .sorted(Comparator.comparingInt(Sample::trial))
                .map(Sample::value)
                .toList();
    }

    private static String join(List<Double> values, DoubleFunction<String> format) {
        return values.isEmpty()
                ? "-"
                : String.join(", ", values.stream().map(v -> format.apply(v)).toList());
    }

    private static List<Sample> of(List<Sample> samples, String figure) {
        return samples.stream().filter(s -> s.figure().equals(figure)).toList();
    }

    private static String row(String target, String value, boolean met) {
        return row(target, value, met ? "yes" : "**no**");
    }

    /** A table's row of the given cells. */
    private static String row(String... cells) {
        return "| " + String.join(" | ", cells) + " |\n";
    }

    /** A row with a cell per contender after its title. */
    private static String row(String title, List<String> contenders, Function<String, String> cell) {
        return row(
                Stream.concat(Stream.of(title), contenders.stream().map(cell)).toArray(String[]::new));
    }

    /** The first value of a figure of a contender, formatted; "-" if there is none. */
    private static String first(List<Sample> samples, String contender, String figure, DoubleFunction<String> format) {
        return samples.stream()
                .filter(s -> s.contender().equals(contender) && s.figure().equals(figure))
                .map(s -> format.apply(s.value()))
                .findFirst()
                .orElse("-");
    }

    private static String whole(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    /** "0.09 s (0.14 s)", "none", "156 MiB (157 MiB)", "0.6/s (0.6/s)"... */
    private static String cell(List<Sample> values) {
        double[] v = sorted(values);
        String unit = values.get(0).unit();
        return human(quantile(v, 0.5), unit) + " (" + human(v[v.length - 1], unit) + ")";
    }

    private static String human(double v, String unit) {
        if (Double.isInfinite(v) || Double.isNaN(v)) {
            return "none";
        }
        return switch (unit) {
            case "ms" -> v < 0 ? "never" : String.format(Locale.ROOT, "%.2f s", v / 1000);
            case "MiB" -> String.format(Locale.ROOT, "%.0f MiB", v);
            case "req/s" -> String.format(Locale.ROOT, "%.1f/s", v);
            default -> String.format(Locale.ROOT, "%.0f", v);
        };
    }

    private static int trials(List<Sample> samples) {
        return (int) samples.stream().mapToInt(Sample::trial).distinct().count();
    }

    private static Map<String, List<Sample>> grouped(List<Sample> samples) {
        Map<String, List<Sample>> groups = new LinkedHashMap<>();
        for (Sample s : samples) {
            groups.computeIfAbsent(s.contender() + "|" + s.timings() + "|" + s.figure(), k -> new ArrayList<>())
                    .add(s);
        }
        return groups;
    }

    static String format(double v) {
        return Double.isInfinite(v) || Double.isNaN(v) ? "none" : String.format(Locale.ROOT, "%.1f", v);
    }

    /** The command line as a reader can run it again. */
    static String command(String[] args) {
        return "make bench ARGS=\"" + String.join(" ", Arrays.asList(args)) + "\"";
    }
}
