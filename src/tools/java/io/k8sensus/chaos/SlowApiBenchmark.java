package io.k8sensus.chaos;

import static org.awaitility.Awaitility.await;

import io.k8sensus.tools.FaultSwitch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The benchmark's slow-API-server phase: for one contender and one lateness, three replicas with a leader-only action
 * every {@value #PERIOD_MS} ms at the short timings; once one leads and renews, every answer of the API to every
 * replica comes the lateness late (requests are applied at once; watch events are not delayed) for
 * {@value #HOLD_MS} ms, and that window is read: actions, the actions expected of one leader, leader changes (terms
 * that began in it), the time two replicas' terms were both acting, stale actions ({@link History#window}); and, as
 * a baseline of what the machine's load lets the action do, the actions of the {@value #BASELINE_MS} ms just
 * before.
 * <p>
 * Both contenders get the same timings and call timeout ({@link Contender#launcher}). What differs is
 * their algorithm: fabric8's {@code LeaderElector} renews with a read and then an update (two answers per renewal),
 * one attempt at a time, on a fixed rate of one retry period (at once when an attempt took longer), and stops acting
 * when an attempt starts more than R after the end of the last successful one, or when it reads another holder: a
 * leader keeps acting while an attempt is out, however long it takes; k8sensus sends a term-conditioned patch every
 * retry period (x jitter 1.2) without waiting for the earlier ones, and acts until R after the send of its latest
 * acknowledged renewal.
 */
final class SlowApiBenchmark {

    /** Lease 3 s, renew deadline 2 s, retry period 0.5 s, call timeout 1.6 s: the short timings. */
    static final String TIMINGS_NAME = "short";
    /** How often the leader-only action runs. */
    static final long PERIOD_MS = 100;
    /** How long the API is slow. */
    static final long HOLD_MS = 15_000;

    /** The figures of one window, in the order of the report's columns. */
    static final List<String> FIGURES =
            List.of("actions", "expected-actions", "leader-changes", "two-actors", "stale-actions", "baseline-actions");

    /** The steady state read before the API turns slow, as a baseline of what the machine lets the action do. */
    static final long BASELINE_MS = 5_000;

    /** The election's events a run counts while the API is slow, from the replicas' own log lines. */
    private static final List<String> EVENTS =
            List.of("renew-failed", "term-suspended", "term-resumed", "renew-deadline", "lost-lease", "acquired");

    /** A lateness as a share of the renew deadline R: "R/4" is 1 / 4, "3R/4" 3 / 4, "R" 1 / 1. */
    record Level(String name, int numerator, int denominator) {

        private static final Pattern FORM = Pattern.compile("(\\d*)R(?:/(\\d+))?");

        static Level parse(String text) {
            Matcher m = FORM.matcher(text);
            if (!m.matches()) {
                throw new IllegalArgumentException("--slow-api: '" + text + "' is not a share of R (R/4, 3R/4, R)");
            }
            int numerator = m.group(1).isEmpty() ? 1 : Integer.parseInt(m.group(1));
            int denominator = m.group(2) == null ? 1 : Integer.parseInt(m.group(2));
            if (numerator == 0 || denominator == 0) {
                throw new IllegalArgumentException("--slow-api: '" + text + "' is no lateness");
            }
            return new Level(text, numerator, denominator);
        }

        long delayMs(long renewMs) {
            return renewMs * numerator / denominator;
        }
    }

    private SlowApiBenchmark() {}

    /** The short timings with an action every {@value #PERIOD_MS} ms. */
    static ChaosCluster.Timings timings() {
        ChaosCluster.Timings t = Benchmark.TIMINGS.get(TIMINGS_NAME);
        return new ChaosCluster.Timings(t.leaseMs(), t.renewMs(), t.retryMs(), t.callTimeoutMs(), PERIOD_MS);
    }

    /** The figure name of one measure at one level: {@code slow-api-R/2-actions}. */
    static String figure(Level level, String measure) {
        return "slow-api-" + level.name() + "-" + measure;
    }

    /** Whether a sample is of this phase. */
    static boolean isOfIt(Sample sample) {
        return sample.figure().startsWith("slow-api-");
    }

    /**
     * fabric8's default request and connection timeout (its {@code Config}), under which its elector runs unless told
     * otherwise: the {@link #FABRIC8_DEFAULTS} contender.
     */
    static final long FABRIC8_DEFAULT_TIMEOUT_MS = 10_000;

    /** The label of fabric8's LeaderElector with fabric8's default call timeout instead of the timings'. */
    static final String FABRIC8_DEFAULTS = "client-go-10s-timeout";

    static List<Sample> run(Contender contender, Level level, Path jar, int n) throws Exception {
        ChaosCluster.Timings t = timings();
        return run(contender.label, contender.launcher(jar, t), level, n, HOLD_MS);
    }

    /** One run of fabric8's LeaderElector with fabric8's default call timeout ({@value #FABRIC8_DEFAULT_TIMEOUT_MS} ms). */
    static List<Sample> runFabric8Defaults(Level level, int n) throws Exception {
        return run(FABRIC8_DEFAULTS, Contender.clientGo(timings(), FABRIC8_DEFAULT_TIMEOUT_MS), level, n, HOLD_MS);
    }

    /** One run of one contender (its replicas started by {@code launcher}) at one level, the API slow for {@code holdMs}. */
    static List<Sample> run(String c, ChaosCluster.Launcher launcher, Level level, int n, long holdMs)
            throws Exception {
        ChaosCluster.Timings t = timings();
        long delayMs = level.delayMs(t.renewMs());
        try (ChaosCluster cluster = new ChaosCluster(t, launcher)) {
            List<String> names = List.of("replica-1", "replica-2", "replica-3");
            for (String name : names) {
                cluster.start(name, Map.of());
            }
            awaitSteadyLeader(cluster);
            long baselineFrom = System.nanoTime();
            ChaosRun.pause(BASELINE_MS);
            long from = System.nanoTime();
            int linesBefore = cluster.output().size();
            names.forEach(name -> cluster.faults(name).slowAnswers(delayMs));
            ChaosRun.pause(holdMs);
            long to = System.nanoTime();
            names.forEach(name -> cluster.faults(name).set(FaultSwitch.Mode.NORMAL));
            List<String> lines = cluster.output();
            History.Window w = cluster.history.window(History.HEARTBEAT, from, to);
            History.Window baseline = cluster.history.window(History.HEARTBEAT, baselineFrom, from);
            // what the replicas said about the election meanwhile, to tell a lost action's cause
            Map<String, Long> events = new TreeMap<>();
            for (String line : lines.subList(linesBefore, lines.size())) {
                EVENTS.stream()
                        .filter(e -> line.contains("event=" + e + " ") || line.endsWith("event=" + e))
                        .forEach(e -> events.merge(e, 1L, Long::sum));
            }
            System.out.printf(
                    "[bench] %s slow API %s run %d: election events while slow %s%n", c, level.name(), n, events);
            List<Sample> samples = new ArrayList<>();
            Sample.Recorder record = new Sample.Recorder(samples, c, TIMINGS_NAME, n);
            record.add(figure(level, "actions"), "actions", w.actions());
            record.add(figure(level, "expected-actions"), "actions", Math.floor((to - from) / 1e6 / PERIOD_MS));
            record.add(figure(level, "leader-changes"), "changes", w.newTerms());
            record.add(figure(level, "two-actors"), "ms", w.twoActorsMs());
            record.add(figure(level, "stale-actions"), "actions", w.stale());
            record.add(figure(level, "baseline-actions"), "actions", baseline.actions());
            return samples;
        }
    }

    /**
     * Waits until one replica acts and renews at steady state: a lease duration after the first action (start-up
     * load), the Lease renewed by its holder, and the last second's actions all the holder's.
     */
    private static void awaitSteadyLeader(ChaosCluster cluster) {
        await().atMost(Duration.ofSeconds(120)).until(() -> cluster.history.size() >= 3);
        ChaosRun.pause(cluster.timings.leaseMs());
        Supplier<String> renewing = cluster.renewingHolder();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    String holder = renewing.get();
                    long second = System.nanoTime() - 1_000_000_000L;
                    List<History.Action> recent = cluster.history.actions(History.HEARTBEAT).stream()
                            .filter(a -> a.nanos() >= second)
                            .toList();
                    return holder != null
                            && !recent.isEmpty()
                            && recent.stream().allMatch(a -> a.replica().equals(holder));
                });
    }
}
