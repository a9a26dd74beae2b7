package io.k8sensus.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import org.apache.camel.util.concurrent.CamelThreadFactory;

/**
 * The conditions of a measuring run: the commit it measured, the machine, and how busy the machine was meanwhile
 * (the kernel's 1-minute load average, {@code /proc/loadavg}, read every 5 s from the moment this object is made).
 * Timings measured on a machine that other work shares are not the same figures: the published ones say how loaded
 * it was, next to its number of cores.
 */
public final class RunConditions implements AutoCloseable {

    private static final Path LOADAVG = Path.of("/proc/loadavg");

    private final ScheduledExecutorService sampler =
            Executors.newSingleThreadScheduledExecutor(new CamelThreadFactory("#name#", "machine-load", true));
    private final DoubleAdder sum = new DoubleAdder();
    private final LongAdder count = new LongAdder();
    private volatile double max;

    public RunConditions() {
        sampler.scheduleAtFixedRate(this::sample, 0, 5, TimeUnit.SECONDS);
    }

    private void sample() {
        try {
            double load = Double.parseDouble(Files.readString(LOADAVG).split(" ")[0]);
            sum.add(load);
            count.increment();
            max = Math.max(max, load);
        } catch (IOException | RuntimeException e) {
            // no /proc (not Linux): nothing to say
        }
    }

    /** "load average (1 min) over the run: mean 1.9, max 3.4, on 2 cores", or "" where it cannot be read. */
    public String describe() {
        long n = count.sum();
        return n == 0
                ? ""
                : String.format(
                        Locale.ROOT,
                        "load average (1 min) over the run: mean %.1f, max %.1f, on %d" + " cores",
                        sum.sum() / n,
                        max,
                        Runtime.getRuntime().availableProcessors());
    }

    /** "commit `abc1234`", with " (with uncommitted changes)" when the work tree differs from it. */
    public static String commit() {
        String commit = git("rev-parse", "--short", "HEAD");
        String changes = git("status", "--porcelain", "--untracked-files=no");
        return "commit `" + commit + "`" + (changes.isBlank() ? "" : " (with uncommitted changes)");
    }

    /** "2 cores, 24 GiB, Java 17.0.15". */
    public static String machine() {
        String memory = "?";
        try {
            memory = Files.readAllLines(Path.of("/proc/meminfo")).stream()
                    .filter(l -> l.startsWith("MemTotal:"))
                    .map(l -> String.valueOf(Math.round(Long.parseLong(l.replaceAll("\\D", "")) / 1024.0 / 1024)))
                    .findFirst()
                    .orElse("?");
        } catch (IOException e) {
            // not Linux: left unknown
        }
        return Runtime.getRuntime().availableProcessors() + " cores, " + memory + " GiB, Java "
                + System.getProperty("java.version");
    }

    private static String git(String... args) {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return p.waitFor() == 0 ? text.strip() : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
    }
}
