package io.k8sensus.chaos;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A run of some figures replaces their samples and keeps those of the figures it did not run. */
class BenchmarkResultsTest {

    private static Benchmark.Sample sample(String contender, String timings, String figure, double value) {
        return new Benchmark.Sample(contender, timings, figure, "ms", value);
    }

    @Test
    void a_partial_run_replaces_its_figures_and_keeps_the_others() {
        List<Benchmark.Sample> earlier = List.of(
                sample("k8sensus", "short", "startup", 6000),
                sample("k8sensus", "short", "startup", 6500),
                sample("client-go", "short", "startup", 3000),
                sample("k8sensus", "default", "startup", 6100));
        List<Benchmark.Sample> run = List.of(sample("k8sensus", "short", "startup", 1800));

        assertThat(Benchmark.merge(earlier, run)).containsExactly(
                sample("k8sensus", "short", "startup", 1800),
                sample("client-go", "short", "startup", 3000),
                sample("k8sensus", "default", "startup", 6100));
    }

    @Test
    void samples_survive_the_file_including_no_takeover() {
        List<Benchmark.Sample> samples = List.of(sample("stock-camel", "short", "crash-failover-pod-ready", Double.NaN),
                sample("k8sensus", "short", "graceful-handover", 79.0));

        assertThat(Benchmark.parseSamples(Benchmark.samplesCsv(samples).lines().toList())).isEqualTo(samples);
    }
}
