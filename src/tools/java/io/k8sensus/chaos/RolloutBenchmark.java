package io.k8sensus.chaos;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IntSummaryStatistics;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A rolling update, measured ({@code --rollout 7x3,30x10}), as docs/BENCHMARKS.md ("Rolling updates") describes it: G
 * groups on R replicas, balancing on and off, every replica running every group or the first new one lacking
 * {@code g<G>} (which must then never be handed to it). Figures ({@code rollout-<figure>-<G>x<R>[-uneven][-off]}),
 * from the rollout's first start to the end:
 * <ul>
 * <li>{@code gap}: per group (one sample each), the longest time without an action;</li>
 * <li>{@code moves}: handovers for balance; {@code leader-changes}: new terms that acted, over all groups;</li>
 * <li>{@code both-acting}, {@code overlapping}, {@code stale}, {@code regressed}: over the whole run
 * ({@link History#check});</li>
 * <li>{@code rebalanced}: ms from the last step to a balanced placement; {@code most}, {@code fewest}: groups led per
 * replica at the end;</li>
 * <li>uneven only, of {@code g<G>}: {@code only-gap}, {@code only-terms}, {@code only-holder-stopped} (steps that
 * stopped its holder), {@code only-moves}, {@code only-to-nonrunner} (times it was offered to, refused by or held by
 * the replica that does not run it).</li>
 * </ul>
 */
final class RolloutBenchmark {

    /** The period of every group's route: the gaps below are read at this resolution. */
    static final long PERIOD_MS = 250;
    /** From the new replica's start to the old one's SIGTERM. */
    static final long SURGE_MS = 3000;

    private static final Duration SETTLES = Duration.ofMinutes(4);
    private static final Pattern TO = Pattern.compile("\\bto=([^\\s:]+)");

    /** One rollout: G groups on R replicas, balancing on or off, the first new replica one group short or not. */
    record Variant(int groups, int replicas, boolean balance, boolean uneven) {

        String label() {
            return groups + "x" + replicas + (uneven ? "-uneven" : "") + (balance ? "" : "-off");
        }
    }

    private RolloutBenchmark() {}

    /** The timings of the run with the routes' period set to {@value #PERIOD_MS} ms. */
    static ChaosCluster.Timings timings(ChaosCluster.Timings t) {
        return new ChaosCluster.Timings(t.leaseMs(), t.renewMs(), t.retryMs(), t.callTimeoutMs(), PERIOD_MS);
    }

    /**
     * Replicas of k8sensus that run {@code groups} (heartbeat, g2..), but the one named {@code short}, which runs
     * {@code fewer}; {@code more} settings for all.
     */
    static ChaosCluster.Launcher launcher(
            Path jar,
            ChaosCluster.Timings t,
            ExtraGroups groups,
            String shortOne,
            ExtraGroups fewer,
            List<String> more) {
        ChaosCluster.Launcher all = Contender.K8SENSUS.launcher(jar, t, groups, more);
        ChaosCluster.Launcher lacking = Contender.K8SENSUS.launcher(jar, t, fewer, more);
        return (name, apiUrl, environment, onLine) ->
                (name.equals(shortOne) ? lacking : all).start(name, apiUrl, environment, onLine);
    }

    /**
     * Runs one rollout; with {@code out} not null, the replicas' election log lines (acquisitions, releases, moves,
     * refusals) go to {@code out/rollout-<label>.election.log}, for a reader to follow each move.
     */
    static List<Sample> run(String timingName, ChaosCluster.Timings base, Path jar, Variant v, Path out)
            throws Exception {
        ChaosCluster.Timings t = timings(base);
        int r = v.replicas();
        String size = v.label();
        String c = "k8sensus";
        ExtraGroups extra = ExtraGroups.create(v.groups() - 1, PERIOD_MS);
        List<String> groups = new ArrayList<>(List.of(History.HEARTBEAT));
        groups.addAll(extra.names());
        String only = v.uneven() ? groups.get(groups.size() - 1) : null;
        String shortOne = v.uneven() ? "replica-" + (r + 1) : null;
        ExtraGroups fewer = v.uneven() ? ExtraGroups.create(v.groups() - 2, PERIOD_MS) : extra;
        List<String> more = v.balance() ? List.of() : List.of("-Dk8sensus.election.balance=false");
        List<Sample> samples = new ArrayList<>();
        List<String> live = new ArrayList<>();
        for (int i = 1; i <= r; i++) {
            live.add("replica-" + i);
        }
        try (ChaosCluster cluster = new ChaosCluster(t, launcher(jar, t, extra, shortOne, fewer, more))) {
            cluster.start(live.get(0), Map.of());
            await().atMost(SETTLES)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> Placement.of(cluster).holders().size() == v.groups());
            int joined = cluster.output().size();
            for (String name : live.subList(1, r)) {
                cluster.start(name, Map.of());
            }
            await().atMost(SETTLES)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> live.subList(1, r).stream().allMatch(n -> startedSince(cluster, n, joined)));
            if (v.balance()) {
                await().atMost(SETTLES)
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> Placement.of(cluster).balanced(v.groups(), live));
            } else {
                ChaosRun.pause(2 * t.leaseMs());
            }
            ChaosRun.pause(t.leaseMs());

            long from = System.nanoTime();
            int mark = cluster.output().size();
            int holderStopped = 0;
            for (int i = 1; i <= r; i++) {
                String fresh = "replica-" + (r + i);
                int before = cluster.output().size();
                cluster.start(fresh, Map.of());
                await().atMost(SETTLES)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> startedSince(cluster, fresh, before));
                ChaosRun.pause(SURGE_MS);
                String old = live.remove(0);
                if (only != null && old.equals(Placement.of(cluster).holders().get(only))) {
                    holderStopped++;
                }
                cluster.stop(old, "TERM");
                cluster.api().deletePod(old);
                live.add(fresh);
                System.out.printf(
                        "[bench] rollout %s: step %d/%d, %s replaced by %s; placement %s%n",
                        size, i, r, old, fresh, Placement.of(cluster).shape(v.groups()));
            }
            long rolled = System.nanoTime();
            double rebalanced = Double.NaN;
            try {
                await().atMost(SETTLES)
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> v.balance()
                                ? Placement.of(cluster).balanced(v.groups(), live)
                                : Placement.of(cluster).holders().size() == v.groups());
                rebalanced = (System.nanoTime() - rolled) / 1e6;
            } catch (ConditionTimeoutException e) {
                // stays NaN: "none" in the tables
            }
            ChaosRun.pause(t.leaseMs());
            long end = System.nanoTime();
            List<String> lines = cluster.output();
            List<String> during = lines.subList(mark, lines.size());
            if (out != null) {
                Files.createDirectories(out);
                Files.write(
                        out.resolve("rollout-" + size + ".election.log"),
                        lines.stream().filter(l -> l.contains(" k.election - ")).toList());
            }

            int n = 0;
            int changes = 0;
            long bothActing = -1;
            int overlapping = 0;
            int stale = 0;
            int regressed = 0;
            for (String group : groups) {
                History.Verdict verdict = cluster.history.check(group, from, end);
                samples.add(new Sample(c, timingName, ++n, "rollout-gap-" + size, "ms", verdict.maxGapMs()));
                changes += newTerms(cluster.history, group, from, end);
                bothActing = Math.max(bothActing, verdict.bothActingMs());
                overlapping += verdict.overlaps();
                stale += verdict.stale();
                regressed += verdict.epochRegressions();
            }
            Sample.Recorder record = new Sample.Recorder(samples, c, timingName, 1);
            record.add(
                    "rollout-moves-" + size,
                    "moves",
                    during.stream()
                            .filter(l -> l.contains("event=released-for-balance"))
                            .count());
            record.add("rollout-leader-changes-" + size, "terms", changes);
            record.add("rollout-both-acting-" + size, "ms", bothActing);
            record.add("rollout-overlapping-" + size, "actions", overlapping);
            record.add("rollout-stale-" + size, "actions", stale);
            record.add("rollout-regressed-" + size, "terms", regressed);
            record.add("rollout-rebalanced-" + size, "ms", rebalanced);
            Map<String, Integer> loads = Placement.of(cluster).loads();
            IntSummaryStatistics led =
                    live.stream().mapToInt(name -> loads.getOrDefault(name, 0)).summaryStatistics();
            record.add("rollout-most-" + size, "groups", live.isEmpty() ? 0 : led.getMax());
            record.add("rollout-fewest-" + size, "groups", live.isEmpty() ? 0 : led.getMin());
            if (only != null) {
                record.add(
                        "rollout-only-gap-" + size,
                        "ms",
                        cluster.history.check(only, from, end).maxGapMs());
                record.add("rollout-only-terms-" + size, "terms", newTerms(cluster.history, only, from, end));
                record.add("rollout-only-holder-stopped-" + size, "steps", holderStopped);
                record.add(
                        "rollout-only-moves-" + size,
                        "moves",
                        during.stream()
                                .filter(l -> l.contains("event=released-for-balance group=" + only + " "))
                                .count());
                record.add(
                        "rollout-only-to-nonrunner-" + size,
                        "times",
                        toNonRunner(lines, cluster.history, only, shortOne));
            }
            System.out.printf(
                    "[bench] rollout %s: %s%n",
                    size,
                    samples.stream()
                            .filter(s -> !s.figure().startsWith("rollout-gap-"))
                            .map(s -> s.figure() + "=" + BenchmarkReport.format(s.value()))
                            .toList());
        }
        return samples;
    }

    /** Whether {@code name} said it started in a line after the first {@code mark} lines of the output. */
    private static boolean startedSince(ChaosCluster cluster, String name, int mark) {
        List<String> lines = cluster.output();
        return lines.subList(mark, lines.size()).stream()
                .anyMatch(l -> l.startsWith(name + " ") && l.contains("(k8sensus) started"));
    }

    /** Terms (a process acting with an epoch) of {@code group} whose first action came within [from, end]. */
    static int newTerms(History history, String group, long from, long end) {
        Set<String> before = new LinkedHashSet<>();
        Set<String> fresh = new LinkedHashSet<>();
        for (History.Action a : history.actions(group)) {
            if (a.nanos() < from) {
                before.add(a.term());
            } else if (a.nanos() <= end && !before.contains(a.term())) {
                fresh.add(a.term());
            }
        }
        return fresh.size();
    }

    /**
     * The times {@code group} was offered to, refused by, or held by {@code replica}, which does not run it: moves
     * of the group naming it in {@code to=}, refusals naming it as target, Lease states naming it holder.
     */
    static int toNonRunner(List<String> lines, History history, String group, String replica) {
        int times = 0;
        for (String line : lines) {
            if (line.contains("event=balancing group=" + group + " ")) {
                Matcher to = TO.matcher(line);
                if (to.find() && List.of(to.group(1).split(",")).contains(replica)) {
                    times++;
                }
            } else if (line.contains("event=balancing-refused group=" + group + " ")
                    && line.contains("target=" + replica + ":")) {
                times++;
            }
        }
        return times
                + (int) history.leaseStates(group).stream()
                        .filter(s -> replica.equals(s.holder()))
                        .count();
    }
}
