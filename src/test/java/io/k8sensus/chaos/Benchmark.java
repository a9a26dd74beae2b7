package io.k8sensus.chaos;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.imageio.ImageIO;

import io.k8sensus.launcher.ReplicaProcess;

import static org.awaitility.Awaitility.await;

/**
 * Failover, handover, overlap, API cost, start-up and memory of three contenders, as real processes on the same
 * embedded API with the same timings: k8sensus as shipped, stock Camel (Camel's controller, no release on shutdown),
 * and client-go's algorithm (fabric8's LeaderElector, {@link ClientGoReplica}).
 * <p>
 * {@code make bench ARGS="--trials 10 --timings short,default --scaling 3x1,10x1,30x1,3x10"}: a progress line per
 * trial, then in {@code --out} (default target/bench) this run's {@code samples.csv} (every value),
 * {@code results.csv} (the summary, {@link BenchmarkReport}), {@code failover.png}, {@code run.md} (commit, command,
 * machine) and {@code memory/} (the raw native memory summaries, unless {@code --no-memory}); with
 * {@code --write FILE}, the tables of that Markdown file's generated block, and with {@code --summary FILE} the
 * medians at the run's longest timings in that file's (the README's). Nothing of an earlier run is kept: every
 * table comes from one run. {@code --contenders k8sensus} runs one contender.
 */
public final class Benchmark {

    enum Contender {
        K8SENSUS("k8sensus"),
        STOCK_CAMEL("stock-camel"),
        CLIENT_GO("client-go");

        final String label;

        Contender(String label) {
            this.label = label;
        }

        static Contender of(String label) {
            return Arrays.stream(values()).filter(c -> c.label.equals(label)).findFirst().orElseThrow(
                    () -> new IllegalArgumentException("--contenders: unknown contender '" + label + "', known: "
                                                       + Arrays.stream(values()).map(c -> c.label).toList()));
        }

        ChaosCluster.Launcher launcher(Path jar, ChaosCluster.Timings t) {
            return launcher(jar, t, ExtraGroups.NONE);
        }

        /** Replicas that also elect a leader in each of {@code extra}'s groups. */
        ChaosCluster.Launcher launcher(Path jar, ChaosCluster.Timings t, ExtraGroups extra) {
            return launcher(jar, t, extra, List.of());
        }

        /** The same, with more settings ({@code -Dkey=value}) for k8sensus and stock Camel. */
        ChaosCluster.Launcher launcher(Path jar, ChaosCluster.Timings t, ExtraGroups extra, List<String> more) {
            List<String> groups = new ArrayList<>(extra.settings());
            groups.addAll(more);
            return switch (this) {
                case K8SENSUS -> asShipped(jar, t, groups);
                case STOCK_CAMEL -> {
                    groups.addAll(List.of("-Dk8sensus.election.algorithm=camel",
                            "-Dk8sensus.election.release-on-shutdown=false"));
                    yield asShipped(jar, t, groups);
                }
                case CLIENT_GO -> clientGo(t, extra);
            };
        }

        /**
         * Replicas of the jar as the image runs them: the management server on (health probes, Prometheus metrics),
         * each on a port of its own, so that its memory and start-up count.
         */
        private static ChaosCluster.Launcher asShipped(Path jar, ChaosCluster.Timings t, List<String> settings) {
            return (name, apiUrl, environment, onLine) -> {
                List<String> all = new ArrayList<>(settings);
                all.addAll(List.of("-Dcamel.management.enabled=true",
                        "-Dcamel.management.port=" + io.k8sensus.testing.EmbeddedKubernetesApi.freePort()));
                return ChaosCluster.k8sensus(jar, t, all).start(name, apiUrl, environment, onLine);
            };
        }

        private static ChaosCluster.Launcher clientGo(ChaosCluster.Timings t, ExtraGroups extra) {
            return (name, apiUrl, environment, onLine) -> {
                List<String> command = new ArrayList<>(List.of(
                        ProcessHandle.current().info().command().orElse("java"),
                        "@" + ReplicaProcess.JVM_OPTIONS, "-XX:MaxRAM=" + ReplicaProcess.CONTAINER_MEMORY_LIMIT,
                        "-cp", System.getProperty("java.class.path"),
                        ClientGoReplica.class.getName(), apiUrl, ChaosCluster.NAMESPACE, name,
                        String.valueOf(t.leaseMs()), String.valueOf(t.renewMs()), String.valueOf(t.retryMs()),
                        String.valueOf(t.periodMs()), ChaosCluster.LEASE));
                if (!extra.names().isEmpty()) {
                    command.add(String.join(",", extra.leases()));
                }
                return ReplicaProcess.startCommand(name, command, environment, onLine);
            };
        }
    }

    /**
     * Groups besides "heartbeat", each with a leader-only route of its own in a routes directory (k8sensus) or an
     * elector of its own (client-go), for the cost of many groups.
     */
    record ExtraGroups(List<String> names, Path routesDir) {

        static final ExtraGroups NONE = new ExtraGroups(List.of(), null);

        static ExtraGroups create(int count, long periodMs) throws java.io.IOException {
            if (count == 0) {
                return NONE;
            }
            Path dir = Files.createTempDirectory("k8sensus-bench-routes");
            dir.toFile().deleteOnExit();
            List<String> names = new ArrayList<>();
            for (int i = 2; i < count + 2; i++) {
                String group = "g" + i;
                names.add(group);
                Path file = dir.resolve(group + ".camel.yaml");
                Files.writeString(file, String.join("\n",
                        "- route:",
                        "    id: \"leader-" + group + "\"",
                        "    from:",
                        "      uri: \"master:" + group + ":timer:" + group + "\"",
                        "      parameters:",
                        "        period: \"" + periodMs + "\"",
                        "        delay: \"0\"",
                        "        includeMetadata: \"true\"",
                        "      steps:",
                        "        - log:",
                        "            message: \"leader heartbeat group=${header.K8sensusGroup}"
                        + " leader=${header.K8sensusLeader} epoch=${header.K8sensusEpoch}"
                        + " seq=${header.CamelTimerCounter}\"",
                        ""));
                file.toFile().deleteOnExit();
            }
            return new ExtraGroups(names, dir);
        }

        List<String> leases() {
            return names.stream().map(g -> "k8sensus-" + g).toList();
        }

        List<String> settings() {
            if (names.isEmpty()) {
                return List.of();
            }
            return List.of("-Dk8sensus.election.groups=heartbeat," + String.join(",", names),
                    "-Dk8sensus.routes.dir=" + routesDir.toAbsolutePath());
        }
    }

    /** One measured value of one trial (numbered from 1); NaN where nothing happened within the wait (no takeover). */
    record Sample(String contender, String timings, int trial, String figure, String unit, double value) {
    }

    static final Map<String, ChaosCluster.Timings> TIMINGS = Map.of(
            "short", new ChaosCluster.Timings(3000, 2000, 500, 1600, 500),
            "default", new ChaosCluster.Timings(15000, 10000, 2000, 8000, 1000));

    private Benchmark() {
    }

    public static void main(String[] args) throws Exception {
        List<String> a = Arrays.asList(args);
        int trials = Integer.parseInt(option(a, "--trials", "10"));
        String timingNames = option(a, "--timings", "short");
        Path out = Path.of(option(a, "--out", "target/bench"));
        String write = option(a, "--write", null);
        String summary = option(a, "--summary", null);
        String scalingSizes = option(a, "--scaling", "");
        boolean memory = !a.contains("--no-memory");
        List<Contender> contenders = Arrays.stream(option(a, "--contenders", "k8sensus,stock-camel,client-go")
                .split(",")).map(Contender::of).toList();
        Path jar = Path.of("target", "k8sensus.jar");
        RunConditions load = new RunConditions();
        String commit = RunConditions.commit(); // what was built and measured, whatever changes meanwhile
        java.util.function.Supplier<String> provenance = () -> provenance(args, commit, load);
        List<Sample> samples = new ArrayList<>();
        String firstTimings = timingNames.split(",")[0];
        if (memory) {
            for (Contender contender : contenders) {
                List<Sample> breakdown = MemoryBreakdown.measure(contender, firstTimings, TIMINGS.get(firstTimings),
                        jar, out);
                samples.addAll(breakdown);
                System.out.printf("[bench] %s %s memory: %s%n", contender.label, firstTimings, breakdown.stream()
                        .map(s -> s.figure() + "=" + BenchmarkReport.format(s.value())).toList());
            }
            write(samples, out, provenance);
        }
        for (String size : scalingSizes.isEmpty() ? new String[0] : scalingSizes.split(",")) {
            String[] rg = size.split("x");
            for (Contender contender : contenders) {
                samples.addAll(scaling(contender, firstTimings, TIMINGS.get(firstTimings), jar,
                        Integer.parseInt(rg[0]), Integer.parseInt(rg[1])));
            }
            write(samples, out, provenance);
        }
        for (String size : option(a, "--balance", "").isEmpty() ? new String[0]
                : option(a, "--balance", "").split(",")) {
            String[] gr = size.split("x");
            for (boolean on : new boolean[] {true, false}) {
                samples.addAll(BalanceBenchmark.run(firstTimings, TIMINGS.get(firstTimings), jar,
                        Integer.parseInt(gr[0]), Integer.parseInt(gr[1]), on));
                write(samples, out, provenance);
            }
        }
        for (String timingName : timingNames.split(",")) {
            for (Contender contender : contenders) {
                for (int trial = 1; trial <= trials; trial++) {
                    List<Sample> trialSamples = trial(contender, timingName, TIMINGS.get(timingName), jar, trial);
                    samples.addAll(trialSamples);
                    System.out.printf("[bench] %s %s trial %d/%d: %s%n", contender.label, timingName, trial, trials,
                            trialSamples.stream().map(s -> s.figure() + "=" + BenchmarkReport.format(s.value()))
                                    .toList());
                }
                write(samples, out, provenance);
            }
        }
        write(samples, out, provenance);
        String document = BenchmarkReport.document(samples, provenance.get());
        System.out.println(document);
        System.out.println("written to " + out);
        if (write != null) {
            io.k8sensus.testing.DocBlock.write(Path.of(write), "bench", document);
            System.out.println("written to " + write);
        }
        if (summary != null) {
            io.k8sensus.testing.DocBlock.write(Path.of(summary), "bench-summary",
                    BenchmarkReport.summary(samples, provenance.get()));
            System.out.println("written to " + summary);
        }
    }

    /**
     * Writes what this run measured so far (a long run stopped midway still leaves its results), and nothing of an
     * earlier run: every sample in samples.csv, the summary in results.csv, the chart, the provenance in run.md.
     */
    private static void write(List<Sample> samples, Path out, java.util.function.Supplier<String> provenance)
            throws java.io.IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("samples.csv"), BenchmarkReport.samplesCsv(samples));
        Files.writeString(out.resolve("results.csv"), BenchmarkReport.csv(samples));
        Files.writeString(out.resolve("run.md"), provenance.get());
        chart(samples, out.resolve("failover.png"));
    }

    /** When, where, from which commit and with which command this run measured, and how busy the machine was. */
    static String provenance(String[] args, String commit, RunConditions load) {
        return "Run of " + java.time.LocalDate.now() + " at " + commit + ", one run for every figure"
               + " below: `" + BenchmarkReport.command(args) + "`. Machine: " + RunConditions.machine() + "; every"
               + " process of a trial shares the cores with the harness"
               + (load.describe().isEmpty() ? "" : "; " + load.describe()) + ".\n";
    }

    /**
     * One trial of every figure for one contender, on one cluster: replica-1 starts alone (start-up on a fresh Lease),
     * two more join (API cost and memory at steady state), then three faults to the leader, each followed by a new
     * replica so that three candidates face the next: SIGTERM, kill -9 with the Pod deleted, kill -9 with the Pod
     * left Ready.
     */
    static List<Sample> trial(Contender contender, String timingName, ChaosCluster.Timings t, Path jar, int n)
            throws Exception {
        List<Sample> samples = new ArrayList<>();
        String c = contender.label;
        long wait = 2 * t.leaseMs() + 10_000;
        try (ChaosCluster cluster = new ChaosCluster(t, contender.launcher(jar, t))) {
            cluster.start("replica-1", Map.of());
            await().atMost(Duration.ofSeconds(120)).until(() -> cluster.history.size() >= 1);
            History.Action first = cluster.history.actions().get(0);
            samples.add(new Sample(c, timingName, n, "startup", "ms",
                    (first.nanos() - cluster.startedNanos(first.replica())) / 1e6));
            joined(cluster, "replica-2");
            joined(cluster, "replica-3");
            List<String> names = List.of("replica-1", "replica-2", "replica-3");
            // the joins' own requests (first list, opening watches) are start-up, not steady state
            ChaosRun.pause(t.leaseMs());
            Map<String, Integer> byVerb = steadyRequests(cluster, names, 10_000);
            double seconds = 10.0;
            int total = byVerb.values().stream().mapToInt(Integer::intValue).sum();
            samples.add(new Sample(c, timingName, n, "api-requests-per-replica", "req/s", total / seconds / 3));
            byVerb.forEach((verb, count) -> samples.add(new Sample(c, timingName, n, "api-" + verb + "-per-replica",
                    "req/s", count / seconds / 3)));
            samples.add(new Sample(c, timingName, n, "peak-rss", "MiB", cluster.replicas().stream()
                    .mapToDouble(r -> peakRssMib(r.pid())).max().orElse(Double.NaN)));

            addTakeover(samples, c, timingName, n, "graceful-handover", cluster, fault(cluster, "TERM", true), wait);
            joined(cluster, "replica-4");
            addTakeover(samples, c, timingName, n, "crash-failover-pod-deleted", cluster,
                    fault(cluster, "KILL", true), wait);
            joined(cluster, "replica-5");
            addTakeover(samples, c, timingName, n, "crash-failover-pod-ready", cluster, fault(cluster, "KILL", false),
                    wait);
            // a lease duration more, so that an old leader that acts late is seen, then the whole trial is checked,
            // start-up included, against the actions and the Lease's epochs
            ChaosRun.pause(t.leaseMs());
            History.Verdict whole = cluster.history.check(first.nanos(), System.nanoTime());
            samples.add(new Sample(c, timingName, n, "trial-overlapping-actions", "actions",
                    whole.overlaps() + whole.stale() + whole.epochRegressions()));
            samples.add(new Sample(c, timingName, n, "trial-both-acting", "ms", whole.bothActingMs()));
        }
        return samples;
    }

    /**
     * API cost of the whole group at steady state for a number of replicas and of groups: requests per second of all
     * replicas together, counted over 20 s once every replica has started, every group has a leader, and 30 s more
     * have passed.
     */
    static List<Sample> scaling(Contender contender, String timingName, ChaosCluster.Timings t, Path jar,
                                int replicas, int groups) throws Exception {
        return scaling(contender, timingName, t, jar, replicas, groups, 30_000, 20_000);
    }

    /** The same with a given settling time after start-up and counting window (shorter for a smoke test). */
    static List<Sample> scaling(Contender contender, String timingName, ChaosCluster.Timings t, Path jar,
                                int replicas, int groups, long settleMs, long window) throws Exception {
        ExtraGroups extra = ExtraGroups.create(groups - 1, t.periodMs());
        List<String> leases = new ArrayList<>(List.of(ChaosCluster.LEASE));
        leases.addAll(extra.leases());
        List<String> names = new ArrayList<>();
        try (ChaosCluster cluster = new ChaosCluster(t, contender.launcher(jar, t, extra))) {
            for (int i = 1; i <= replicas; i++) {
                names.add("replica-" + i);
                cluster.start("replica-" + i, Map.of());
            }
            // steady state: every replica has started, every group has a leader, and the start-up is 30 s past (30
            // JVMs starting at once saturate 2 cores for a while: watches time out and are retried meanwhile)
            await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(500))
                    .until(() -> names.stream().allMatch(name -> hasStarted(cluster, name))
                                 && leases.stream().allMatch(l -> holder(cluster, l) != null));
            ChaosRun.pause(settleMs);
            Map<String, Integer> byVerb = steadyRequests(cluster, names, window);
            int total = byVerb.values().stream().mapToInt(Integer::intValue).sum();
            String size = replicas + "-replicas-" + groups + "-groups";
            List<Sample> samples = new ArrayList<>();
            samples.add(new Sample(contender.label, timingName, 1, "api-total-" + size, "req/s",
                    total * 1000.0 / window));
            System.out.printf("[bench] %s %s scaling %s: %.1f req/s in all %s%n", contender.label, timingName, size,
                    total * 1000.0 / window, byVerb);
            return samples;
        }
    }

    private static String holder(ChaosCluster cluster, String lease) {
        var l = cluster.api().client().leases().inNamespace(ChaosCluster.NAMESPACE).withName(lease).get();
        String holder = l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
        return holder == null || holder.isEmpty() ? null : holder;
    }

    /** The requests of the given replicas during a window, by verb and resource; earlier requests are dropped. */
    static Map<String, Integer> steadyRequests(ChaosCluster cluster, List<String> names, long windowMs)
            throws InterruptedException {
        for (String name : names) {
            cluster.takeRequests(name);
        }
        ChaosRun.pause(windowMs);
        Map<String, Integer> byVerb = new TreeMap<>();
        for (String name : names) {
            for (String request : cluster.takeRequests(name)) {
                byVerb.merge(verbAndResource(request), 1, Integer::sum);
            }
        }
        return byVerb;
    }

    /** Starts a replica and waits until its process says it has started (a candidate from then on). */
    private static void joined(ChaosCluster cluster, String name) throws Exception {
        cluster.start(name, Map.of());
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(50))
                .until(() -> hasStarted(cluster, name));
    }

    static boolean hasStarted(ChaosCluster cluster, String name) {
        return cluster.output().stream().anyMatch(line -> line.startsWith(name + " ")
                                                          && line.matches(".*\\bstarted\\b.*"));
    }

    /**
     * Signals the replica that acted last (SIGTERM: a graceful stop; SIGKILL: a crash), waits for its exit and, as
     * the kubelet would, deletes its Pod or leaves it Ready (a lost node); returns when the fault happened.
     */
    private static long fault(ChaosCluster cluster, String signal, boolean deletePod) throws Exception {
        String leader = lastActor(cluster);
        long faultAt = System.nanoTime();
        cluster.signal(leader, signal);
        cluster.awaitExit(leader);
        if (deletePod) {
            cluster.api().deletePod(leader);
        }
        return faultAt;
    }

    private static String lastActor(ChaosCluster cluster) {
        return cluster.history.actions().get(cluster.history.size() - 1).replica();
    }

    private static void addTakeover(List<Sample> samples, String c, String timingName, int n, String figure,
                                    ChaosCluster cluster, long faultAt, long waitMs) {
        try {
            await().atMost(Duration.ofMillis(waitMs)).pollInterval(Duration.ofMillis(50))
                    .until(() -> cluster.history.check(faultAt, System.nanoTime()).takeoverMs() >= 0);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // no takeover within the wait: recorded as NaN
        }
        History.Verdict v = cluster.history.check(faultAt, System.nanoTime());
        samples.add(new Sample(c, timingName, n, figure, "ms", v.takeoverMs() < 0 ? Double.NaN : v.takeoverMs()));
    }

    /** "get-leases", "list-pods", "update-leases"...: the RBAC view of a request. */
    static String verbAndResource(String request) {
        String method = request.substring(0, request.indexOf(' '));
        String path = request.substring(request.indexOf(' ') + 1).split("\\?")[0];
        String[] parts = path.split("/");
        int resourceAt = Arrays.asList(parts).indexOf("namespaces") + 2;
        String resource = resourceAt < parts.length ? parts[resourceAt] : "other";
        boolean named = resourceAt + 1 < parts.length;
        String verb = switch (method) {
            case "GET" -> request.contains("watch=true") ? "watch" : named ? "get" : "list";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            default -> method.toLowerCase();
        };
        return verb + "-" + resource;
    }

    static double peakRssMib(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (java.io.IOException e) {
            // the process is gone
        }
        return Double.NaN;
    }

    /**
     * Each takeover sample as a dot, per figure (rows), timings and contender (lanes, colours); "none" at the right
     * edge.
     */
    static void chart(List<Sample> samples, Path png) throws java.io.IOException {
        List<String> figures = List.of("graceful-handover", "crash-failover-pod-deleted", "crash-failover-pod-ready");
        Map<String, Color> colours = Map.of("k8sensus", new Color(0x1f77b4), "stock-camel", new Color(0xd62728),
                "client-go", new Color(0x2ca02c));
        List<Sample> points = samples.stream().filter(s -> figures.contains(s.figure())).toList();
        double max = points.stream().mapToDouble(Sample::value).filter(v -> !Double.isNaN(v)).max().orElse(1) * 1.1;
        List<String> timings = points.stream().map(Sample::timings).distinct()
                .sorted(java.util.Comparator.reverseOrder()).toList();
        int width = 900;
        int left = 170;
        List<String[]> lanes = new ArrayList<>();
        timings.forEach(t -> Arrays.stream(Contender.values()).forEach(c -> lanes.add(new String[] {t, c.label})));
        int rowHeight = 30 + 20 * Math.max(1, lanes.size());
        int height = 60 + rowHeight * figures.size() + 40;
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString("Time from the fault to the new leader's first action (ms); x = no takeover", 10, 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int plotWidth = width - left - 60;
        for (int i = 0; i < figures.size(); i++) {
            int y0 = 50 + i * rowHeight;
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            g.drawString(figures.get(i), 10, y0 + 4);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(Color.LIGHT_GRAY);
            g.drawLine(left, y0 + rowHeight - 5, left + plotWidth, y0 + rowHeight - 5);
            int lane = 0;
            for (String[] timingAndContender : lanes) {
                String timing = timingAndContender[0];
                String contender = timingAndContender[1];
                int y = y0 + 22 + lane++ * 20;
                g.setColor(colours.get(contender));
                g.drawString(contender + " (" + timing + ")", 20, y + 4);
                for (Sample s : points) {
                    if (s.figure().equals(figures.get(i)) && s.contender().equals(contender)
                        && s.timings().equals(timing)) {
                        if (Double.isNaN(s.value())) {
                            int x = left + plotWidth + 25;
                            g.setStroke(new BasicStroke(2));
                            g.drawLine(x - 4, y - 4, x + 4, y + 4);
                            g.drawLine(x - 4, y + 4, x + 4, y - 4);
                        } else {
                            int x = left + (int) (s.value() / max * plotWidth);
                            g.fillOval(x - 4, y - 4, 8, 8);
                        }
                    }
                }
            }
        }
        g.setColor(Color.BLACK);
        int axisY = 50 + rowHeight * figures.size() + 10;
        for (int k = 0; k <= 5; k++) {
            int x = left + k * plotWidth / 5;
            g.drawString(String.format("%.0f", max * k / 5), x - 10, axisY + 15);
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    private static String option(List<String> args, String name, String fallback) {
        int i = args.indexOf(name);
        return i >= 0 && i + 1 < args.size() ? args.get(i + 1) : fallback;
    }
}
