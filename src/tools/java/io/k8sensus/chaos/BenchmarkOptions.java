package io.k8sensus.chaos;

import java.nio.file.Path;
import java.util.List;

import io.k8sensus.tools.CommandLine;

/**
 * The command line of {@link Benchmark}.
 *
 * @param trials      takeover trials per contender and timings
 * @param timings     named timings ({@link Benchmark#TIMINGS}), the first also for the memory, scaling and balance phases
 * @param contenders  the contenders measured
 * @param scaling     replicas x groups for the API cost at scale, e.g. 3x1,10x1
 * @param balance     groups x replicas for the balancing phase, e.g. 7x3
 * @param rollout     groups x replicas for the rolling-update phase ({@link RolloutBenchmark}), e.g. 7x3,30x10
 * @param memory      whether to measure the memory breakdown
 * @param out         the directory of the run's files
 * @param write       a Markdown file whose "bench" block gets the tables; null: none
 * @param summary     a Markdown file whose "bench-summary" block gets the medians; null: none
 * @param rolloutWrite a Markdown file whose "bench-rollout" block gets the rolling-update table alone; null: none
 */
public record BenchmarkOptions(int trials, List<String> timings, List<Contender> contenders, List<int[]> scaling,
                        List<int[]> balance, List<int[]> rollout, boolean memory, Path out, Path write,
                        Path summary, Path rolloutWrite) {

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
              --out DIR               where the run's files go (default target/bench)
              --write FILE            write the tables into FILE's generated block (docs/BENCHMARKS.md)
              --summary FILE          write the medians into FILE's summary block (README.md)
              --rollout-write FILE    write the rolling-update table alone into FILE's bench-rollout block
            """;

    static BenchmarkOptions parseOrExit(String[] args) {
        return CommandLine.orExit(() -> parse(args), USAGE);
    }

    /** Reads a command line; throws {@link CommandLine.UsageException} with the reason when it cannot be run. */
    public static BenchmarkOptions parse(String[] args) {
        CommandLine line = CommandLine.parse(args, List.of("--trials", "--timings", "--contenders", "--scaling",
                "--balance", "--rollout", "--out", "--write", "--summary", "--rollout-write"), List.of("--no-memory"));
        List<String> timings = line.list("--timings", "short");
        for (String name : timings) {
            if (!Benchmark.TIMINGS.containsKey(name)) {
                throw new CommandLine.UsageException("--timings: unknown timings '" + name + "', known: "
                                                     + Benchmark.TIMINGS.keySet());
            }
        }
        List<Contender> contenders;
        try {
            contenders = line.list("--contenders", "k8sensus,stock-camel,client-go").stream().map(Contender::of)
                    .toList();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.UsageException(e.getMessage());
        }
        return new BenchmarkOptions((int) line.number("--trials", 10), timings, contenders,
                sizes(line, "--scaling"), sizes(line, "--balance"), sizes(line, "--rollout"),
                !line.has("--no-memory"), line.path("--out", Path.of("target", "bench")), line.path("--write", null),
                line.path("--summary", null), line.path("--rollout-write", null));
    }

    /** "3x1,10x1" as {3, 1}, {10, 1}. */
    private static List<int[]> sizes(CommandLine line, String option) {
        return line.list(option, "").stream().map(size -> {
            String[] parts = size.split("x");
            try {
                if (parts.length != 2) {
                    throw new NumberFormatException();
                }
                return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
            } catch (NumberFormatException e) {
                throw new CommandLine.UsageException(option + ": '" + size + "' is not of the form NxM");
            }
        }).toList();
    }
}
