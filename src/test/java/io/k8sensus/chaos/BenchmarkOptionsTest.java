package io.k8sensus.chaos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.k8sensus.cli.CommandLine;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchmarkOptionsTest {

    @Test
    void theDocumentedRunReadsAsWritten() {
        BenchmarkOptions o = BenchmarkOptions.parse(new String[] {
            "--trials",
            "20",
            "--timings",
            "short,default",
            "--scaling",
            "3x1,30x10",
            "--contenders",
            "k8sensus,client-go",
            "--write",
            "docs/BENCHMARKS.md"
        });
        assertThat(o.trials()).isEqualTo(20);
        assertThat(o.timings()).containsExactly("short", "default");
        assertThat(o.scaling()).extracting(s -> s[0] + "x" + s[1]).containsExactly("3x1", "30x10");
        assertThat(o.contenders()).containsExactly(Contender.K8SENSUS, Contender.CLIENT_GO);
        assertThat(o.memory()).isTrue();
        assertThat(o.out()).isEqualTo(Path.of("target", "bench"));
        assertThat(o.write()).isEqualTo(Path.of("docs/BENCHMARKS.md"));
        assertThat(o.balance()).isEmpty();
        assertThat(o.rollout()).isEmpty();
        assertThat(o.rolloutWrite()).isNull();
    }

    @Test
    void theRollingUpdatesRunAloneIntoTheirOwnBlock() {
        BenchmarkOptions o = BenchmarkOptions.parse(new String[] {
            "--rollout",
            "7x3,30x10",
            "--no-memory",
            "--trials",
            "0",
            "--contenders",
            "k8sensus",
            "--rollout-write",
            "docs/BENCHMARKS.md"
        });
        assertThat(o.rollout()).extracting(s -> s[0] + "x" + s[1]).containsExactly("7x3", "30x10");
        assertThat(o.rolloutWrite()).isEqualTo(Path.of("docs/BENCHMARKS.md"));
        assertThat(o.write()).as("the published tables' block is left as it is").isNull();
        assertThat(o.trials()).isZero();
        assertThat(o.memory()).isFalse();
    }

    @Test
    void theSlowApiPhaseReadsItsLatenessesAsSharesOfTheRenewDeadline() {
        BenchmarkOptions o = BenchmarkOptions.parse(new String[] {
            "--slow-api",
            "R/4,R/2,3R/4,R",
            "--slow-api-runs",
            "2",
            "--trials",
            "0",
            "--no-memory",
            "--contenders",
            "k8sensus,client-go"
        });
        assertThat(o.slowApi()).extracting(l -> l.delayMs(2000)).containsExactly(500L, 1000L, 1500L, 2000L);
        assertThat(o.slowApiRuns()).isEqualTo(2);
        assertThat(o.mainPhases()).as("nothing of the bench block is measured").isFalse();
        assertThat(BenchmarkOptions.parse(new String[] {"--slow-api", "default"})
                        .slowApi())
                .extracting(SlowApiBenchmark.Level::name)
                .containsExactly("R/4", "R/2", "3R/4", "R");
        assertThat(BenchmarkOptions.parse(new String[] {}).slowApi()).isEmpty();
        assertThat(o.fabric8Defaults()).isFalse();
        assertThat(BenchmarkOptions.parse(new String[] {"--slow-api", "R", "--slow-api-fabric8-defaults"})
                        .fabric8Defaults())
                .isTrue();
        assertThatThrownBy(() -> BenchmarkOptions.parse(new String[] {"--slow-api", "1s"}))
                .isInstanceOf(CommandLine.UsageException.class)
                .hasMessageStartingWith("--slow-api: '1s'");
    }

    @Test
    void theTrialsOrderIsDrawnFromItsSeedAndAnArchivePerContenderIsTheDefault() {
        BenchmarkOptions o =
                BenchmarkOptions.parse(new String[] {"--trials", "3", "--timings", "short,default", "--seed", "42"});
        assertThat(o.seed()).isEqualTo(42L);
        assertThat(o.classData()).isTrue();
        List<Benchmark.Trial> order = Benchmark.trialOrder(o, 42);
        assertThat(order)
                .as("every trial of every contender and timings, once")
                .hasSize(2 * 3 * 3)
                .doesNotHaveDuplicates()
                .isEqualTo(Benchmark.trialOrder(o, 42));
        assertThat(order)
                .as("interleaved, not contender by contender")
                .isNotEqualTo(order.stream()
                        .sorted(Comparator.comparing(Benchmark.Trial::toString))
                        .toList());
        assertThat(BenchmarkOptions.parse(new String[] {}).seed())
                .as("drawn when the run starts")
                .isNull();
        assertThat(BenchmarkOptions.parse(new String[] {"--no-class-data"}).classData())
                .isFalse();
    }

    @Test
    void aTypoIsRefusedBeforeAnythingRuns() {
        assertThatThrownBy(() -> BenchmarkOptions.parse(new String[] {"--timings", "long"}))
                .isInstanceOf(CommandLine.UsageException.class)
                .hasMessageStartingWith("--timings: unknown timings 'long'");
        assertThatThrownBy(() -> BenchmarkOptions.parse(new String[] {"--contenders", "etcd"}))
                .hasMessageStartingWith("--contenders: unknown contender 'etcd'");
        assertThatThrownBy(() -> BenchmarkOptions.parse(new String[] {"--scaling", "3by1"}))
                .hasMessage("--scaling: '3by1' is not of the form NxM");
        assertThatThrownBy(() -> BenchmarkOptions.parse(new String[] {"--trial", "3"}))
                .hasMessage("unknown option '--trial'");
    }
}
