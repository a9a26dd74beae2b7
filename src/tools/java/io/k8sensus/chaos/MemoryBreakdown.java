package io.k8sensus.chaos;

import static org.awaitility.Awaitility.await;

import io.k8sensus.launcher.ReplicaProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Where a replica's memory goes: three replicas of a contender at steady state, each started with native memory
 * tracking ({@code -XX:NativeMemoryTracking=summary}, through {@code JAVA_TOOL_OPTIONS}), then
 * {@code jcmd <pid> VM.native_memory summary} on each. The raw output of every replica is written to
 * {@code memory/<contender>-<timings>-<replica>.txt} beside the samples; the leader's committed memory per area becomes
 * samples ({@code nmt-<area>}, MiB) and so a table of the report.
 */
final class MemoryBreakdown {

    private static final Pattern AREA = Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    private static final Pattern TOTAL = Pattern.compile("^Total: reserved=(\\d+)KB, committed=(\\d+)KB");

    private MemoryBreakdown() {}

    static List<Sample> measure(Contender contender, String timingName, ChaosCluster.Timings t, Path jar, Path out)
            throws Exception {
        Map<String, String> nmt = Map.of("JAVA_TOOL_OPTIONS", "-XX:NativeMemoryTracking=summary");
        List<Sample> samples = new ArrayList<>();
        try (ChaosCluster cluster = new ChaosCluster(t, contender.launcher(jar, t))) {
            for (String name : List.of("replica-1", "replica-2", "replica-3")) {
                cluster.start(name, nmt);
                if (name.equals("replica-1")) {
                    await().atMost(Duration.ofSeconds(120)).until(() -> cluster.history.size() >= 1);
                }
            }
            // steady state, as in a trial: every replica has started and a lease duration has passed since
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> cluster.replicas().stream().allMatch(r -> cluster.hasStarted(r.name())));
            ChaosRun.pause(t.leaseMs() + 10_000);
            Path dir = out.resolve("memory");
            Files.createDirectories(dir);
            String leader = cluster.leader();
            for (ReplicaProcess replica : cluster.replicas()) {
                String summary = jcmd(replica.pid(), "VM.native_memory", "summary");
                if (!summary.contains("Total:")) {
                    throw new IllegalStateException("no native memory summary from " + replica.name() + ": " + summary);
                }
                Files.writeString(
                        dir.resolve(contender.label + "-" + timingName + "-" + replica.name() + ".txt"),
                        "# " + replica.name() + (replica.name().equals(leader) ? " (leader)" : "")
                                + ", peak RSS " + String.format(Locale.ROOT, "%.1f", replica.peakRssMib())
                                + " MiB\n" + summary);
                if (replica.name().equals(leader)) {
                    // what the leader's heap holds, after the full collection the histogram makes (so, last)
                    Files.writeString(
                            dir.resolve(contender.label + "-" + timingName + "-" + replica.name() + "-heap.txt"),
                            jcmd(replica.pid(), "GC.class_histogram")
                                    .lines()
                                    .limit(60)
                                    .collect(Collectors.joining("\n", "", "\n")));
                    committedMib(summary)
                            .forEach((area, mib) ->
                                    samples.add(new Sample(contender.label, timingName, 1, "nmt-" + area, "MiB", mib)));
                    samples.add(new Sample(contender.label, timingName, 1, "nmt-rss", "MiB", replica.peakRssMib()));
                }
            }
        }
        return samples;
    }

    /** Committed memory per area ("java-heap", "class", ...) and in total ("total"), in MiB. */
    static Map<String, Double> committedMib(String summary) {
        Map<String, Double> areas = new LinkedHashMap<>();
        for (String line : summary.lines().map(String::strip).toList()) {
            Matcher total = TOTAL.matcher(line);
            if (total.find()) {
                areas.put("total", Long.parseLong(total.group(2)) / 1024.0);
                continue;
            }
            Matcher area = AREA.matcher(line);
            if (area.find()) {
                areas.put(
                        area.group(1).toLowerCase(Locale.ROOT).replace(' ', '-'),
                        Long.parseLong(area.group(3)) / 1024.0);
            }
        }
        return areas;
    }

    private static String jcmd(long pid, String... command) throws Exception {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        List<String> line = new ArrayList<>(List.of(jcmd.toString(), String.valueOf(pid)));
        line.addAll(List.of(command));
        Process p = new ProcessBuilder(line).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + pid + " " + String.join(" ", command) + " failed: " + text);
        }
        return text;
    }
}
