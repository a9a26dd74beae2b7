package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The benchmark's smoke form: every contender's class-data archive trained on its own start, as the benchmark trains
 * them before its first phase, then one trial of every figure for every contender mapping it, so that the harness
 * cannot rot. (The run without archives, {@code --no-class-data}, is DocumentedCommandsIT's short make bench.) Each
 * contender's trial and cost run as tests of their own, two at a time, each on its own embedded API: the figures are
 * checked for being there and for safety, not for their values (the benchmark runs its trials one at a time).
 */
@Execution(ExecutionMode.CONCURRENT)
class BenchmarkIT {

    static final ChaosCluster.Timings TIMINGS = Benchmark.TIMINGS.get("short");
    static final Path JAR = Path.of("target", "k8sensus.jar");

    @BeforeAll
    static void trainEveryContendersArchive() throws Exception {
        ClassDataArchives.train(List.of(Contender.values()), JAR, TIMINGS, Path.of("target", "bench-it", "class-data"));
    }

    @AfterAll
    static void forgetTheArchives() {
        ClassDataArchives.forget(); // the other tests of this JVM run every contender without one
    }

    @ParameterizedTest
    @EnumSource(Contender.class)
    void a_contender_maps_its_own_archive_and_yields_every_figure(Contender contender) throws Exception {
        // -Xshare:on with its archive: a replica that cannot map it (another class path, a directory on it) does
        // not start, and the trial fails
        assertThat(ClassDataArchives.flags(contender))
                .as(contender.label)
                .containsExactly(
                        "-XX:SharedArchiveFile="
                                + Path.of("target", "bench-it", "class-data", contender.label + ".jsa")
                                        .toAbsolutePath(),
                        "-Xshare:on");
        // API requests counted over 4 s instead of the benchmark's 10 s: a smoke test of the figure, not the figure
        List<Sample> samples = FailoverTrial.run(contender, "short", TIMINGS, JAR, 1, 4_000);
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
                .allSatisfy(s -> assertThat(s.value()).as(s.figure()).isFinite().isPositive());
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

    @ParameterizedTest
    @EnumSource(Contender.class)
    void the_cost_of_more_groups_is_measured(Contender contender) throws Exception {
        // every group must get a leader before the window opens: the harness fails otherwise
        List<Sample> samples = ApiCostScaling.run(contender, "short", TIMINGS, JAR, 2, 2, 3_000, 5_000);
        assertThat(samples).singleElement().satisfies(s -> {
            assertThat(s.figure()).isEqualTo("api-total-2-replicas-2-groups");
            assertThat(s.value()).isPositive();
        });
    }
}
