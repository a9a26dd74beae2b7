package io.k8sensus.launcher;

import io.k8sensus.cli.CommandLine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The options of {@link LocalCluster}, each as {@link #USAGE} describes it ({@code timings}: lease, renew deadline,
 * retry period in ms); {@link #parse} refuses bad input with one message.
 */
public record LauncherOptions(
        int replicas,
        long durationSeconds,
        long killLeaderEvery,
        long stopLeaderEvery,
        Path routesDir,
        int apiPort,
        long leaseMs,
        long renewMs,
        long retryMs,
        Path jar,
        boolean allLines,
        String recipe,
        boolean metrics) {

    public static final String USAGE = """
            Usage: make run ARGS="[options]"
              --replicas N            replica processes to start (default 3)
              --duration SECONDS      stop by itself after SECONDS (default: run until Ctrl-C)
              --kill-leader-every S   kill -9 the leader every S seconds, then start a replacement
              --stop-leader-every S   stop the leader gracefully (SIGTERM) every S seconds, then start a replacement
              --routes DIR            also load the *.camel.yaml routes of DIR (try your routes before deploying them)
              --api-port PORT         port of the embedded Kubernetes API (default: a free port)
              --timings L/R/P         lease duration / renew deadline / retry period in ms (default 6000/4000/1000)
              --jar PATH              the application jar (default target/k8sensus.jar)
              --all-lines             show every line the replicas print
              --metrics               each replica's metrics (/observe/metrics) and probes on a port of its own, their
                                      URLs shown, and the Kubernetes Events the replicas write
              --recipe sql            run the SQL recipe (docs/WIRING.md): PostgreSQL, a job table fed 5 jobs/s, its
                                      routes and group on every replica, and a count of jobs done, refused, waiting
            """;

    /** Reads a command line; throws {@link CommandLine.UsageException} with the reason when it cannot be run. */
    public static LauncherOptions parse(List<String> args) {
        CommandLine line = CommandLine.parse(
                args.toArray(String[]::new),
                List.of(
                        "--replicas",
                        "--duration",
                        "--kill-leader-every",
                        "--stop-leader-every",
                        "--routes",
                        "--api-port",
                        "--jar",
                        "--recipe",
                        "--timings"),
                List.of("--all-lines", "--metrics"));
        String recipe = line.text("--recipe", null);
        if (recipe != null && !recipe.equals("sql")) {
            throw new CommandLine.UsageException("--recipe takes sql (found '" + recipe + "')");
        }
        String[] timings = line.text("--timings", "6000/4000/1000").split("/");
        if (timings.length != 3) {
            throw new CommandLine.UsageException("--timings takes L/R/P in ms, e.g. 6000/4000/1000");
        }
        long[] lrp = new long[3];
        for (int i = 0; i < 3; i++) {
            lrp[i] = atLeastZero("--timings", CommandLine.wholeNumber("--timings", timings[i]));
        }
        int replicas = (int) atLeastZero("--replicas", line.number("--replicas", 3));
        long kill = atLeastZero("--kill-leader-every", line.number("--kill-leader-every", 0));
        long stop = atLeastZero("--stop-leader-every", line.number("--stop-leader-every", 0));
        Path routes = line.path("--routes", null);
        Path jar = line.path("--jar", Path.of("target", "k8sensus.jar"));
        if (replicas < 1) {
            throw new CommandLine.UsageException("--replicas must be at least 1 (found " + replicas + ")");
        }
        if (kill > 0 && stop > 0) {
            throw new CommandLine.UsageException("--kill-leader-every and --stop-leader-every cannot be combined");
        }
        if (recipe != null && routes != null) {
            throw new CommandLine.UsageException(
                    "--recipe and --routes cannot be combined (the recipe brings its routes)");
        }
        if (routes != null && !Files.isDirectory(routes)) {
            throw new CommandLine.UsageException("--routes " + routes + " is not a directory");
        }
        if (!Files.isRegularFile(jar)) {
            throw new CommandLine.UsageException(jar + " does not exist: build it first (make build)");
        }
        return new LauncherOptions(
                replicas,
                atLeastZero("--duration", line.number("--duration", 0)),
                kill,
                stop,
                routes,
                (int) atLeastZero("--api-port", line.number("--api-port", 0)),
                lrp[0],
                lrp[1],
                lrp[2],
                jar,
                line.has("--all-lines"),
                recipe,
                line.has("--metrics"));
    }

    private static long atLeastZero(String option, long n) {
        if (n < 0) {
            throw new CommandLine.UsageException(option + " takes a whole number >= 0 (found " + n + ")");
        }
        return n;
    }
}
