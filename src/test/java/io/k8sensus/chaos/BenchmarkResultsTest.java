package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The summary of a run: interpolated quantiles, a p95 only where there are trials enough, and the raw samples. */
class BenchmarkResultsTest {

    private static Sample sample(String figure, int trial, double value) {
        return new Sample("k8sensus", "short", trial, figure, "ms", value);
    }

    @Test
    void the_median_of_an_even_count_lies_between_the_two_middle_values() {
        // the published "median" of crash-failover-pod-deleted (short) was the lower middle value, 2634 ms
        double[] sorted = {2400, 2500, 2550, 2600, 2634, 2830, 2900, 2950, 2980, 2987};
        assertThat(BenchmarkReport.quantile(sorted, 0.5)).isCloseTo(2732, within(1e-9));
    }

    @Test
    void quantiles_interpolate_between_the_nearest_ranks() {
        double[] sorted = {10, 20, 30, 40, 50};
        assertThat(BenchmarkReport.quantile(sorted, 0.0)).isEqualTo(10);
        assertThat(BenchmarkReport.quantile(sorted, 0.25)).isEqualTo(20);
        assertThat(BenchmarkReport.quantile(sorted, 0.95)).isCloseTo(48, within(1e-9));
        assertThat(BenchmarkReport.quantile(sorted, 1.0)).isEqualTo(50);
    }

    @Test
    void a_missing_takeover_counts_as_infinite_and_shows_as_none() {
        double[] sorted = {100, 200, Double.POSITIVE_INFINITY};
        assertThat(BenchmarkReport.quantile(sorted, 0.5)).isEqualTo(200);
        assertThat(BenchmarkReport.quantile(sorted, 0.75)).isInfinite();
        String csv = BenchmarkReport.csv(List.of(
                sample("crash-failover-pod-ready", 1, Double.NaN), sample("crash-failover-pod-ready", 2, Double.NaN)));
        assertThat(csv.lines().skip(1)).containsExactly("k8sensus,short,crash-failover-pod-ready,ms,none,-,none,2");
    }

    @Test
    void p95_is_reported_only_from_twenty_trials_on() {
        List<Sample> ten = new ArrayList<>();
        List<Sample> twenty = new ArrayList<>();
        for (int trial = 1; trial <= 20; trial++) {
            (trial <= 10 ? ten : twenty).add(sample("graceful-handover", trial, trial * 10));
        }
        twenty.addAll(ten);
        assertThat(BenchmarkReport.csv(ten).lines().skip(1))
                .containsExactly("k8sensus,short,graceful-handover,ms,55.0,-,100.0,10");
        assertThat(BenchmarkReport.csv(twenty).lines().skip(1))
                .containsExactly("k8sensus,short,graceful-handover,ms,105.0,190.5,200.0,20");
    }

    @Test
    void samples_survive_the_file_including_no_takeover() {
        List<Sample> samples =
                List.of(sample("crash-failover-pod-ready", 3, Double.NaN), sample("graceful-handover", 4, 79.0));

        assertThat(BenchmarkReport.parseSamples(
                        BenchmarkReport.samplesCsv(samples).lines().toList()))
                .isEqualTo(samples);
    }

    @Test
    void the_document_says_where_its_figures_come_from_and_names_no_p95_under_twenty_trials() {
        String document = BenchmarkReport.document(
                List.of(sample("graceful-handover", 1, 80), sample("graceful-handover", 2, 120)),
                "Run of today at commit `abc1234`.");
        assertThat(document)
                .startsWith("Run of today at commit `abc1234`.")
                .contains("| graceful handover | 0.10 s (0.12 s) |")
                .contains("| k8sensus | short | graceful-handover | ms | 100.0 | - | 120.0 | 2 |");
    }

    @Test
    void a_rolling_update_is_one_row_with_the_gaps_max_and_median_over_the_groups() {
        List<Sample> samples = new ArrayList<>();
        double[] gaps = {300, 500, 700};
        for (int g = 0; g < gaps.length; g++) {
            samples.add(new Sample("k8sensus", "short", g + 1, "rollout-gap-3x2-uneven", "ms", gaps[g]));
        }
        String[][] one = {
            {"moves", "moves", "2"},
            {"leader-changes", "terms", "5"},
            {"both-acting", "ms", "-1"},
            {"overlapping", "actions", "0"},
            {"stale", "actions", "0"},
            {"regressed", "terms", "0"},
            {"rebalanced", "ms", "1500"},
            {"most", "groups", "2"},
            {"fewest", "groups", "1"},
            {"only-terms", "terms", "1"},
            {"only-holder-stopped", "steps", "1"},
            {"only-moves", "moves", "0"},
            {"only-to-nonrunner", "times", "0"},
            {"only-gap", "ms", "450"}
        };
        for (String[] f : one) {
            samples.add(new Sample(
                    "k8sensus", "short", 1, "rollout-" + f[0] + "-3x2-uneven", f[1], Double.parseDouble(f[2])));
        }
        assertThat(BenchmarkReport.rollout(List.of())).isEmpty();
        assertThat(BenchmarkReport.rollout(samples).lines())
                .contains("| 3 x 2 | one short | on | 0.70 s / 0.50 s | 2 | 5"
                        + " | never | 0 / 0 / 0 | 1.50 s | 2 / 1 | 1 (1) / 0 / 0; longest gap 0.45 s |");
    }

    @Test
    void the_group_one_replica_does_not_run_counts_each_time_it_was_offered_refused_or_held_there() {
        History history = new History();
        history.onLease("g3", "replica-1", 1, 1);
        history.onLease("g3", "replica-3", 2, 2);
        List<String> lines = List.of(
                "replica-1 12:00 INFO k.election - event=balancing group=g3 pod=replica-1 epoch=1 leads=3 fewest=1"
                        + " to=replica-2,replica-3: stopping the group's routes, then releasing the Lease",
                "replica-1 12:00 INFO k.election - event=balancing group=g2 pod=replica-1 epoch=1 leads=3 fewest=1"
                        + " to=replica-3: stopping the group's routes, then releasing the Lease",
                "replica-1 12:00 INFO k.election - event=balancing group=g3 pod=replica-1 epoch=1 leads=3 fewest=1"
                        + " to=replica-2: stopping the group's routes, then releasing the Lease",
                "replica-1 12:00 WARN k.election - event=balancing-refused group=g3 pod=replica-1 target=replica-3:"
                        + " the target was handed the group and did not take it");
        assertThat(RolloutBenchmark.toNonRunner(lines, history, "g3", "replica-3"))
                .isEqualTo(3);
        assertThat(RolloutBenchmark.toNonRunner(lines, history, "g3", "replica-4"))
                .isZero();
    }

    private static List<Sample> slowRun(
            String contender, int run, String level, double actions, double changes, double twoActing) {
        SlowApiBenchmark.Level l = SlowApiBenchmark.Level.parse(level);
        return List.of(
                new Sample(contender, "short", run, SlowApiBenchmark.figure(l, "actions"), "actions", actions),
                new Sample(contender, "short", run, SlowApiBenchmark.figure(l, "expected-actions"), "actions", 150),
                new Sample(contender, "short", run, SlowApiBenchmark.figure(l, "leader-changes"), "changes", changes),
                new Sample(contender, "short", run, SlowApiBenchmark.figure(l, "two-actors"), "ms", twoActing),
                new Sample(contender, "short", run, SlowApiBenchmark.figure(l, "stale-actions"), "actions", 0),
                new Sample(contender, "short", run, SlowApiBenchmark.figure(l, "baseline-actions"), "actions", 50));
    }

    @Test
    void the_slow_api_table_puts_the_contenders_side_by_side_a_row_per_lateness_every_run_shown() {
        List<Sample> samples = new ArrayList<>();
        samples.addAll(slowRun("k8sensus", 1, "R", 40, 2, -1));
        samples.addAll(slowRun("client-go", 1, "R", 150, 9, 1200));
        samples.addAll(slowRun("k8sensus", 1, "R/2", 150, 0, -1));
        samples.addAll(slowRun("client-go", 1, "R/2", 148, 0, -1));
        samples.addAll(slowRun("k8sensus", 2, "R/2", 142, 0, -1));
        samples.addAll(slowRun("client-go", 2, "R/2", 150, 0, -1));
        String table = BenchmarkReport.slowApi(samples, "Run of today at commit `abc1234`.");
        assertThat(table)
                .startsWith("Run of today at commit `abc1234`.")
                .contains("| lateness | k8sensus: actions | k8sensus: changes | k8sensus: two acting | k8sensus: stale"
                        + " | fabric8 LeaderElector (client-go's algorithm): actions |")
                .contains("| R/2 (1.0 s) | 150, 142 (of 150); before: 50, 50 (of 50) | 0, 0 | never, never | 0, 0 |"
                        + " 148, 150 (of 150); before: 50, 50 (of 50) | 0, 0 | never, never | 0, 0 |")
                .contains("| R (2.0 s) | 40 (of 150); before: 50 (of 50) | 2 | never | 0 | 150 (of 150); before: 50"
                        + " (of 50) | 9 | 1.20 s | 0 |")
                .contains("| R/2: no leader change, at least 95 % of the expected actions, every run | lowest share"
                        + " of actions 94.7 %, most changes 0, two acting: never | **no** |")
                .contains("| R: never two acting, every run |");
        assertThat(table.indexOf("| R/2 (")).as("rows by lateness").isLessThan(table.indexOf("| R (2.0 s)"));
        assertThat(samples).allMatch(SlowApiBenchmark::isOfIt);
    }
}
