package io.k8sensus.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The options of {@link LocalCluster}. {@link #parse} refuses bad input with one message; {@link #USAGE} lists them.
 *
 * @param replicas          replica processes to start
 * @param durationSeconds   stop everything after this many seconds; 0 runs until Ctrl-C
 * @param killLeaderEvery   kill -9 the leader every this many seconds (then start a new replica); 0: never
 * @param stopLeaderEvery   SIGTERM the leader every this many seconds (then start a new replica); 0: never
 * @param routesDir         a directory of *.camel.yaml routes loaded beside the shipped ones; null: none
 * @param apiPort           loopback port of the embedded API; 0: any free port
 * @param leaseMs           lease duration of the replicas
 * @param renewMs           renew deadline of the replicas
 * @param retryMs           retry period of the replicas
 * @param jar               the application jar
 * @param allLines          show every line the replicas print, not only the election and leader-only lines
 * @param recipe            a recipe of docs/WIRING.md to run with its server (sql); null: none
 * @param metrics           serve each replica's metrics and probes on a port of its own, say where, and show the
 *                          Kubernetes Events the replicas write
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

    public static LauncherOptions parse(List<String> args) {
        int replicas = 3;
        long duration = 0;
        long kill = 0;
        long stop = 0;
        Path routes = null;
        int apiPort = 0;
        long lease = 6000;
        long renew = 4000;
        long retry = 1000;
        Path jar = Path.of("target", "k8sensus.jar");
        boolean allLines = false;
        boolean metrics = false;
        String recipe = null;
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            if (option.equals("--help") || option.equals("-h")) {
                throw new IllegalArgumentException(USAGE);
            }
            if (option.equals("--all-lines")) {
                allLines = true;
                continue;
            }
            if (option.equals("--metrics")) {
                metrics = true;
                continue;
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException("option " + option + " needs a value\n" + USAGE);
            }
            String value = args.get(++i);
            switch (option) {
                case "--replicas" -> replicas = (int) number(option, value);
                case "--duration" -> duration = number(option, value);
                case "--kill-leader-every" -> kill = number(option, value);
                case "--stop-leader-every" -> stop = number(option, value);
                case "--routes" -> routes = Path.of(value);
                case "--api-port" -> apiPort = (int) number(option, value);
                case "--jar" -> jar = Path.of(value);
                case "--recipe" -> {
                    if (!value.equals("sql")) {
                        throw new IllegalArgumentException("--recipe takes sql (found '" + value + "')");
                    }
                    recipe = value;
                }
                case "--timings" -> {
                    String[] parts = value.split("/");
                    if (parts.length != 3) {
                        throw new IllegalArgumentException("--timings takes L/R/P in ms, e.g. 6000/4000/1000");
                    }
                    lease = number(option, parts[0]);
                    renew = number(option, parts[1]);
                    retry = number(option, parts[2]);
                }
                default -> throw new IllegalArgumentException("unknown option " + option + "\n" + USAGE);
            }
        }
        if (replicas < 1) {
            throw new IllegalArgumentException("--replicas must be at least 1 (found " + replicas + ")");
        }
        if (kill > 0 && stop > 0) {
            throw new IllegalArgumentException("--kill-leader-every and --stop-leader-every cannot be combined");
        }
        if (recipe != null && routes != null) {
            throw new IllegalArgumentException(
                    "--recipe and --routes cannot be combined (the recipe brings its routes)");
        }
        if (routes != null && !Files.isDirectory(routes)) {
            throw new IllegalArgumentException("--routes " + routes + " is not a directory");
        }
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(jar + " does not exist: build it first (make build)");
        }
        return new LauncherOptions(
                replicas, duration, kill, stop, routes, apiPort, lease, renew, retry, jar, allLines, recipe, metrics);
    }

    private static long number(String option, String value) {
        try {
            long n = Long.parseLong(value.trim());
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " takes a whole number >= 0 (found '" + value + "')");
        }
    }
}
