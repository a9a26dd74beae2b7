package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The benchmark's smoke form: one trial of every figure for every contender, so that the harness cannot rot. */
class BenchmarkIT {

    @Test
    void every_contender_yields_every_figure() throws Exception {
        for (Contender contender : Contender.values()) {
            List<Sample> samples = FailoverTrial.run(
                    contender, "short", Benchmark.TIMINGS.get("short"), Path.of("target", "k8sensus.jar"), 1);
            System.out.println(contender.label + ": " + samples);
            assertThat(samples)
                    .extracting(Sample::figure)
                    .contains(
                            "startup",
                            "api-requests-per-replica",
                            "peak-rss",
                            "graceful-handover",
                            "crash-failover-pod-deleted",
                            "crash-failover-pod-ready");
            assertThat(samples)
                    .filteredOn(s -> s.figure().equals("api-requests-per-replica"))
                    .allSatisfy(s -> assertThat(s.value()).isPositive());
            // a takeover is measured for every contender (stock Camel's handover only after its Pod is deleted;
            // with its Pod left Ready, stock Camel never takes over: that figure may be "none" for it alone).
            // NaN, "no takeover within the wait", would pass isPositive(): ask for a finite value first
            List<String> takeovers = contender == Contender.STOCK_CAMEL
                    ? List.of("graceful-handover", "crash-failover-pod-deleted")
                    : List.of("graceful-handover", "crash-failover-pod-deleted", "crash-failover-pod-ready");
            assertThat(samples)
                    .filteredOn(s -> takeovers.contains(s.figure()))
                    .hasSize(takeovers.size())
                    .allSatisfy(
                            s -> assertThat(s.value()).as(s.figure()).isFinite().isPositive());
            // over the whole trial, start-up included, against the actions and the Lease's epochs
            assertThat(samples)
                    .filteredOn(s -> s.figure().equals("trial-overlapping-actions"))
                    .singleElement()
                    .satisfies(s -> assertThat(s.value())
                            .as("overlapping, stale or regressed actions")
                            .isZero());
            assertThat(samples)
                    .filteredOn(s -> s.figure().equals("trial-both-acting"))
                    .singleElement()
                    .satisfies(s -> assertThat(s.value())
                            .as("two terms acting at once (ms; -1: never)")
                            .isEqualTo(-1));
        }
    }

    @Test
    void every_contender_starts_with_a_class_data_archive_trained_on_its_own_start() throws Exception {
        ChaosCluster.Timings t = Benchmark.TIMINGS.get("short");
        Path jar = Path.of("target", "k8sensus.jar");
        try {
            ClassDataArchives.train(List.of(Contender.values()), jar, t, Path.of("target", "bench-it", "class-data"));
            for (Contender contender : Contender.values()) {
                // -Xshare:on: a JVM that cannot map the archive (another class path, a directory on it) does not start
                List<String> flags = new ArrayList<>(ClassDataArchives.flags(contender));
                assertThat(flags).singleElement().asString().startsWith("-XX:SharedArchiveFile=");
                flags.add("-Xshare:on");
                try (ChaosCluster cluster =
                        new ChaosCluster(t, contender.launcher(jar, t, ExtraGroups.NONE, List.of(), flags))) {
                    cluster.start("replica-1", Map.of());
                    Awaitility.await()
                            .atMost(Duration.ofSeconds(120))
                            .pollInterval(Duration.ofMillis(100))
                            .until(() -> cluster.history.size() >= 1);
                    assertThat(cluster.output()).as(contender.label).noneMatch(line -> line.contains("[cds]"));
                }
            }
        } finally {
            ClassDataArchives.forget(); // the other tests run every contender without one
        }
    }

    @Test
    void the_cost_of_more_groups_is_measured_for_every_contender() throws Exception {
        for (Contender contender : Contender.values()) {
            // every group must get a leader before the window opens: the harness fails otherwise
            List<Sample> samples = ApiCostScaling.run(
                    contender,
                    "short",
                    Benchmark.TIMINGS.get("short"),
                    Path.of("target", "k8sensus.jar"),
                    2,
                    2,
                    3_000,
                    5_000);
            assertThat(samples).singleElement().satisfies(s -> {
                assertThat(s.figure()).isEqualTo("api-total-2-replicas-2-groups");
                assertThat(s.value()).isPositive();
            });
        }
    }
}
