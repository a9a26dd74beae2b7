package io.k8sensus.chaos;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The class-data archives (AppCDS) the benchmark's replicas start with: for every contender one trained on its own
 * start, the same way for each ({@link #train}), or none for any (then only the JDK's own archive of its classes is
 * mapped, as by default). The benchmark trains them before its first phase; a harness that does not (the tests) runs
 * every contender without one.
 */
final class ClassDataArchives {

    /** How long the trained replica acts before it is stopped: renewals at either timings, and a few actions. */
    private static final long ACTING_MS = 4_000;

    private static final Map<Contender, Path> TRAINED = new ConcurrentHashMap<>();

    private ClassDataArchives() {}

    /**
     * The JVM flags of a contender's replicas: its trained archive, or the JDK's own only. A trained archive is mapped
     * with {@code -Xshare:on}: a replica that cannot map it (another class path, a jar changed since) does not start,
     * rather than run on without it, as an unequal start of one contender would skew every figure.
     */
    static List<String> flags(Contender contender) {
        Path archive = TRAINED.get(contender);
        return archive == null ? List.of("-Xshare:auto") : List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:on");
    }

    /** Forgets every trained archive: the replicas started from now on map none. */
    static void forget() {
        TRAINED.clear();
    }

    /** Which archive each contender uses, for the run's record. */
    static String describe(List<Contender> contenders) {
        return String.join(
                "; ",
                contenders.stream()
                        .map(c -> c.label + ": "
                                + (TRAINED.containsKey(c) ? TRAINED.get(c).toString() : "none"))
                        .toList());
    }

    /**
     * Trains one archive per contender in {@code dir}: one replica of it alone on an embedded API with its Pod Ready,
     * as its trials start one, with the same flags; it leads, acts and renews for {@value #ACTING_MS} ms, then gets
     * SIGTERM, and its JVM writes the classes it loaded (start-up, election, action, shutdown) as it exits. From then
     * on its replicas map that archive.
     */
    static void train(List<Contender> contenders, Path jar, ChaosCluster.Timings t, Path dir) throws Exception {
        Files.createDirectories(dir);
        for (Contender contender : contenders) {
            Path archive = dir.resolve(contender.label + ".jsa").toAbsolutePath();
            Files.deleteIfExists(archive);
            long started = System.nanoTime();
            List<String> writing = List.of("-XX:ArchiveClassesAtExit=" + archive, "-Xlog:cds=error");
            try (ChaosCluster cluster =
                    new ChaosCluster(t, contender.launcher(jar, t, ExtraGroups.NONE, List.of(), writing))) {
                cluster.start("cds-training", Map.of());
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> cluster.history.size() >= 1);
                ChaosRun.pause(ACTING_MS);
                cluster.signal("cds-training", "TERM");
                // the JVM writes the archive as it exits, on one thread: seconds alone, longer on busy cores
                cluster.awaitExit("cds-training", 120);
            }
            if (!Files.isRegularFile(archive) || Files.size(archive) == 0) {
                throw new IllegalStateException("no class-data archive written for " + contender.label);
            }
            TRAINED.put(contender, archive);
            System.out.printf(
                    "[bench] %s class-data archive: %s (%.1f MiB), trained in %.1f s%n",
                    contender.label, archive, Files.size(archive) / 1048576.0, (System.nanoTime() - started) / 1e9);
        }
    }
}
