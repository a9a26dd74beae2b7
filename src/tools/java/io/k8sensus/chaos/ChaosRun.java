package io.k8sensus.chaos;

import static org.awaitility.Awaitility.await;

import io.k8sensus.launcher.ReplicaProcess;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;

/** Runs one scenario on a fresh cluster and reads its history. */
final class ChaosRun {

    /** libfaketime, as Debian's package installs it. */
    static final Path LIBFAKETIME = Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1");

    /**
     * The outcome of one scenario. {@code history}: what the harness recorded (see {@link History#csv}), from the start
     * of the run; null if skipped. {@code problem}: what the scenario's own end check found wrong, or null.
     */
    record Result(
            Scenario scenario,
            History.Verdict verdict,
            boolean passed,
            String skipped,
            String leader,
            String history,
            String problem,
            HeldReading held) {

        Result(
                Scenario scenario,
                History.Verdict verdict,
                boolean passed,
                String skipped,
                String leader,
                String history) {
            this(scenario, verdict, passed, skipped, leader, history, null, null);
        }

        @Override
        public String toString() {
            return scenario.name() + ": "
                    + (skipped != null ? "SKIPPED " + skipped : (passed ? "PASS " : "FAIL ") + verdict)
                    + (problem == null ? "" : " (" + problem + ")");
        }
    }

    /**
     * What the history shows over the time a held fault lasted ({@link Scenario.Held}), and the actions one leader
     * would have done in it (one per heartbeat period).
     */
    record HeldReading(History.Window window, long expected) {

        @Override
        public String toString() {
            return window.actions() + " of " + expected + " actions while held, " + window.newTerms() + " new terms,"
                    + " two acting " + (window.twoActorsMs() < 0 ? "never" : window.twoActorsMs() + " ms");
        }
    }

    private ChaosRun() {}

    static Result run(Scenario scenario, Path jar, ChaosCluster.Timings suiteTimings) throws Exception {
        boolean faketime = scenario.name().equals("clock-offset");
        if (faketime && !Files.exists(LIBFAKETIME)) {
            return new Result(
                    scenario, null, false, "faketime is not installed (apt-get install faketime)", null, null);
        }
        Scenario.Setup setup = scenario.setup();
        ChaosCluster.Timings timings = setup.timings() == null ? suiteTimings : setup.timings();
        String group = setup.group();
        Path routes = setup.routeFile() == null ? null : routesDir(setup);
        List<String> settings = new ArrayList<>();
        if (routes != null) {
            settings.addAll(List.of(
                    "-Dk8sensus.routes.dir=" + routes,
                    "-Dk8sensus.election.groups=" + History.HEARTBEAT + "," + group));
        }
        int receiverPort = setup.fenced() ? EmbeddedKubernetesApi.freePort() : -1;
        if (setup.fenced()) {
            settings.add("-Dfencing.receiver-url=" + ChaosCluster.receiverUrl(receiverPort));
        }
        long startedAt = System.nanoTime();
        List<Path> moreClasses = setup.toolClasses() ? List.of(toolClasses()) : List.of();
        try (ChaosCluster cluster = new ChaosCluster(jar, timings, settings, moreClasses)) {
            if (setup.fenced()) {
                cluster.startReceiver(jar, receiverPort);
            }
            cluster.start("replica-1", Map.of());
            cluster.start("replica-2", Map.of());
            if (!faketime) {
                cluster.start("replica-3", Map.of());
            }
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> cluster.history.size() >= 3);
            } catch (ConditionTimeoutException e) {
                List<String> output = cluster.output();
                output.subList(Math.max(0, output.size() - 40), output.size()).forEach(System.out::println);
                throw new IllegalStateException("no leader acted within 90 s; the replicas' last lines are above", e);
            }
            if (faketime) {
                cluster.start(
                        "replica-3",
                        Map.of(
                                "LD_PRELOAD", LIBFAKETIME.toString(),
                                "FAKETIME", "+1h x1.5",
                                "FAKETIME_DONT_FAKE_MONOTONIC", "1",
                                "FAKETIME_DONT_RESET", "1"));
            }
            String leader = awaitSteadyState(cluster);
            if (setup.before() != null) {
                setup.before().into(cluster, leader);
                leader = awaitSteadyState(cluster);
            }
            if (!group.equals(History.HEARTBEAT)) {
                leader = awaitWorking(cluster, group);
            }
            long faultAt = System.nanoTime();
            scenario.inject().into(cluster, leader);
            long healedAt = System.nanoTime();
            HeldReading held = setup.held() == null
                    ? null
                    : new HeldReading(
                            cluster.history.window(group, faultAt, healedAt),
                            (healedAt - faultAt) / 1_000_000 / timings.periodMs());
            long window = scenario.boundMs() + 5000;
            if (scenario.leaderChanges()) {
                try {
                    await().atMost(Duration.ofMillis(window))
                            .pollInterval(Duration.ofMillis(100))
                            .until(() -> cluster.history
                                            .check(group, faultAt, System.nanoTime())
                                            .takeoverMs()
                                    >= 0);
                } catch (ConditionTimeoutException e) {
                    // no takeover within the window: the verdict below says so
                }
                // and a few seconds more, to see whether anybody else acts
                long seen = System.nanoTime();
                await().atMost(Duration.ofSeconds(30)).until(() -> System.nanoTime() - seen > 4_000_000_000L);
            } else {
                long start = System.nanoTime();
                await().atMost(Duration.ofMillis(window + 20_000))
                        .until(() -> System.nanoTime() - start
                                > Duration.ofMillis(Math.max(10_000, window)).toNanos());
            }
            History.Verdict verdict = cluster.history.check(group, faultAt, System.nanoTime());
            String problem = setup.after() == null ? null : setup.after().problem(cluster);
            boolean passed = passes(scenario, verdict, held) && problem == null;
            if (problem != null) {
                System.out.println("[chaos] " + scenario.name() + ": " + problem);
            }
            if (!passed) {
                // what the replicas said about the election, to tell why
                System.out.println("[chaos] " + scenario.name() + ": the replicas' election lines");
                cluster.output().stream()
                        .filter(line -> line.contains("event=")
                                || (!group.equals(History.HEARTBEAT)
                                        && (line.contains("group=" + group + " ") || line.contains("(group " + group))))
                        .forEach(System.out::println);
            }
            return new Result(scenario, verdict, passed, null, leader, cluster.history.csv(startedAt), problem, held);
        } finally {
            if (routes != null) {
                try (var files = Files.list(routes)) {
                    for (Path file : files.toList()) {
                        Files.delete(file);
                    }
                }
                Files.delete(routes);
            }
        }
    }

    /**
     * The verdict's rule, over the whole run: no overlap, no lower or reused epoch, no stale action the fence let
     * through, no two terms working at once; at most the scenario's stale actions, each refused by the fence where
     * one runs; a takeover (or, where the leader must not change, the longest gap) within the bound; for a held
     * fault instead, its share of the expected actions while held and, unless it may, no new term.
     */
    static boolean passes(Scenario scenario, History.Verdict v) {
        return passes(scenario, v, null);
    }

    static boolean passes(Scenario scenario, History.Verdict v, HeldReading reading) {
        // every stale action refused (the fence may refuse more: an action begun in its term and sent after it)
        boolean fencedAsClaimed = !scenario.setup().fenced() || v.fenced() >= v.stale();
        boolean always = v.overlaps() == 0
                && v.epochRegressions() == 0
                && v.staleAccepted() == 0
                && v.bothActingMs() < 0
                && v.stale() <= scenario.staleAllowed()
                && fencedAsClaimed;
        Scenario.Held held = scenario.setup().held();
        if (held != null) {
            return always
                    && reading != null
                    && (held.leaderMayChange() || v.takeoverMs() < 0)
                    && reading.window().actions() >= held.minActions() * reading.expected();
        }
        return always
                && (scenario.leaderChanges()
                        ? v.takeoverMs() >= 0 && v.takeoverMs() <= scenario.boundMs()
                        : v.takeoverMs() < 0 && v.maxGapMs() <= scenario.boundMs());
    }

    /** Where this class was loaded from (target/tools-classes, or target/test-classes under Maven's tests). */
    private static Path toolClasses() throws URISyntaxException {
        return Path.of(SlowStopComponent.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
    }

    /** A directory with the scenario's route file, for {@code k8sensus.routes.dir}. */
    private static Path routesDir(Scenario.Setup setup) throws IOException {
        Path dir = Files.createTempDirectory("k8sensus-chaos-routes");
        Files.writeString(dir.resolve(setup.group() + ".camel.yaml"), setup.routeFile());
        return dir;
    }

    /**
     * For a scenario on a group of its own: waits until the holder of the group's Lease has had two actions done (its
     * route says when an action's work is done, or the fencing receiver accepted it); returns the holder.
     */
    private static String awaitWorking(ChaosCluster cluster, String group) {
        try {
            return await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(
                            () -> {
                                String holder = cluster.api().holder(ChaosCluster.leaseOf(group));
                                long done = cluster.history.completions(group).stream()
                                                .filter(c -> c.replica().equals(holder))
                                                .count()
                                        + cluster.history.fenceAnswers(group).stream()
                                                .filter(f -> f.accepted()
                                                        && f.leader().equals(holder))
                                                .count();
                                return done >= 2 ? holder : null;
                            },
                            Objects::nonNull);
        } catch (ConditionTimeoutException e) {
            List<String> output = cluster.output();
            output.subList(Math.max(0, output.size() - 40), output.size()).forEach(System.out::println);
            output.stream()
                    .filter(line -> line.startsWith("receiver "))
                    .limit(40)
                    .forEach(System.out::println);
            throw new IllegalStateException(
                    "the leader of group " + group + " had no action done within 60 s; the"
                            + " last lines of the replicas, and the receiver's first, are above",
                    e);
        }
    }

    /**
     * Start-up is not the fault under test: waits a lease duration for the load of the start-ups to pass (three JVMs
     * and the API on two cores slow every call), then until the Lease's holder renews and every other replica has
     * logged it as its leader. Returns the holder.
     */
    private static String awaitSteadyState(ChaosCluster cluster) {
        pause(cluster.timings.leaseMs());
        Supplier<String> renewing = cluster.renewingHolder();
        return await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(
                        () -> {
                            String holder = renewing.get();
                            boolean followed = cluster.replicas().stream()
                                    .map(ReplicaProcess::name)
                                    .filter(name -> !name.equals(holder))
                                    .allMatch(name -> cluster.output().stream()
                                            .anyMatch(line -> line.startsWith(name + " ")
                                                    && line.contains("event=leader-changed")
                                                    && line.contains(" leader=" + holder + " ")));
                            return holder != null && followed ? holder : null;
                        },
                        Objects::nonNull);
    }

    /** Waits until the fencing receiver has accepted an action of a group's newer term, or {@code maxMs}. */
    static void awaitNewTermAccepted(ChaosCluster cluster, String group, long maxMs) {
        long epoch = cluster.history.fenceAnswers(group).stream()
                .filter(History.FenceAnswer::accepted)
                .mapToLong(History.FenceAnswer::epoch)
                .max()
                .orElse(-1);
        await().atMost(Duration.ofMillis(maxMs))
                .pollInterval(Duration.ofMillis(100))
                .until(() ->
                        cluster.history.fenceAnswers(group).stream().anyMatch(f -> f.accepted() && f.epoch() > epoch));
    }

    /** Holds a fault for a while: the time is the fault itself, not a wait for a result. */
    static void pause(long ms) {
        long until = System.nanoTime() + ms * 1_000_000;
        await().atMost(Duration.ofMillis(ms + 5000))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> System.nanoTime() >= until);
    }
}
