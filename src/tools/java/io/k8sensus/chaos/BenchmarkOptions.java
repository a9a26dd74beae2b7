package io.k8sensus.chaos;

import io.k8sensus.cli.CommandLine;
import java.nio.file.Path;
import java.util.List;

/**
 * The command line of {@link Benchmark}: each component is named after its option in {@link #USAGE} ({@code memory}
 * and {@code classData} are false with {@code --no-memory} and {@code --no-class-data}; {@code seed} null: drawn).
 */
public record BenchmarkOptions(
        int trials,
        List<String> timings,
        List<Contender> contenders,
        List<int[]> scaling,
        List<int[]> balance,
        List<int[]> rollout,
        boolean memory,
        Path out,
        Path write,
        Path summary,
        Path rolloutWrite,
        List<SlowApiBenchmark.Level> slowApi,
        int slowApiRuns,
        boolean fabric8Defaults,
        Long seed,
        boolean classData) {

    /** The latenesses of the slow-API comparison, as shares of the renew deadline R. */
    static final String SLOW_API_LEVELS = "R/4,R/2,3R/4,R";

    /** Whether the run measures anything of the "bench" block: memory, API cost, balancing or takeover trials. */
    boolean mainPhases() {
        return memory || !scaling.isEmpty() || !balance.isEmpty() || trials > 0;
    }

    static final String USAGE = """
            Usage: make bench ARGS="[options]"
              --trials N              takeover trials per contender and timings (default 10)
              --timings T,...         short (lease 3 s) and/or default (lease 15 s); default short
              --contenders C,...      k8sensus, stock-camel, client-go (default all three)
              --scaling RxG,...       API cost of R replicas with G groups each, e.g. 3x1,10x1,30x1,3x10
              --balance GxR,...       balancing of G groups over R replicas, on and off, e.g. 7x3,30x10
              --rollout GxR,...       a rolling update of R replicas running G groups, balancing on and off,
                                      every replica running every group or one running one fewer, e.g. 7x3,30x10
              --no-memory             skip the memory breakdown
              --slow-api L,...        every API answer L late for 15 s (L a share of R: R/4, R/2, 3R/4, R;
                                      "default" is R/4,R/2,3R/4,R), 3 replicas, an action every 100 ms
              --slow-api-runs N       runs per contender and lateness (default 3)
              --slow-api-fabric8-defaults  also fabric8's LeaderElector with fabric8's default call timeout
                                      (10 s) instead of the timings' 1.6 s
              --seed N                the seed of the takeover trials' order (every contender's and timings'
                                      trials interleaved at random); default: drawn, and recorded in run.md
              --no-class-data         no class-data archive for any contender (default: each its own, trained
                                      on its own start before the first phase)
              --out DIR               where the run's files go (default target/bench)
              --write FILE            write the tables into FILE's generated block (docs/BENCHMARKS.md): the
                                      "bench" block if the run measured any of its figures, the
                                      "bench-slow-api" block if it ran --slow-api
              --summary FILE          write the medians into FILE's summary block (README.md)
              --rollout-write FILE    write the rolling-update table alone into FILE's bench-rollout block
            """;

    static BenchmarkOptions parseOrExit(String[] args) {
        return CommandLine.orExit(() -> parse(args), USAGE);
    }

    /** Reads a command line; throws {@link CommandLine.UsageException} with the reason when it cannot be run. */
    public static BenchmarkOptions parse(String[] args) {
        CommandLine line = CommandLine.parse(
                args,
                List.of(
                        "--trials",
                        "--timings",
                        "--contenders",
                        "--scaling",
                        "--balance",
                        "--rollout",
                        "--out",
                        "--write",
                        "--summary",
                        "--rollout-write",
                        "--slow-api",
                        "--slow-api-runs",
                        "--seed"),
                List.of("--no-memory", "--slow-api-fabric8-defaults", "--no-class-data"));
        List<String> timings = line.list("--timings", "short");
        for (String name : timings) {
            if (!Benchmark.TIMINGS.containsKey(name)) {
                throw new CommandLine.UsageException(
                        "--timings: unknown timings '" + name + "', known: " + Benchmark.TIMINGS.keySet());
            }
        }
        List<Contender> contenders;
        try {
            contenders = line.list("--contenders", "k8sensus,stock-camel,client-go").stream()
                    .map(Contender::of)
                    .toList();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.UsageException(e.getMessage());
        }
        List<SlowApiBenchmark.Level> slowApi;
        try {
            List<String> levels = line.list("--slow-api", "");
            slowApi = (levels.equals(List.of("default")) ? List.of(SLOW_API_LEVELS.split(",")) : levels)
                    .stream().map(SlowApiBenchmark.Level::parse).toList();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.UsageException(e.getMessage());
        }
        return new BenchmarkOptions(
                (int) line.number("--trials", 10),
                timings,
                contenders,
                sizes(line, "--scaling"),
                sizes(line, "--balance"),
                sizes(line, "--rollout"),
                !line.has("--no-memory"),
                line.path("--out", Path.of("target", "bench")),
                line.path("--write", null),
                line.path("--summary", null),
                line.path("--rollout-write", null),
                slowApi,
                (int) line.number("--slow-api-runs", 3),
                line.has("--slow-api-fabric8-defaults"),
                line.has("--seed") ? Long.valueOf(line.number("--seed", 0)) : null,
                !line.has("--no-class-data"));
    }

    /** "3x1,10x1" as {3, 1}, {10, 1}. */
    private static List<int[]> sizes(CommandLine line, String option) {
        return line.list(option, "").stream()
                .map(size -> {
                    String[] parts = size.split("x");
                    try {
                        if (parts.length != 2) {
                            throw new NumberFormatException();
                        }
                        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
                    } catch (NumberFormatException e) {
                        throw new CommandLine.UsageException(option + ": '" + size + "' is not of the form NxM");
                    }
                })
                .toList();
    }
}
