package io.k8sensus.wiring;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.camel.util.concurrent.CamelThreadFactory;

/**
 * The file recipe's shared directory seen from outside: a producer that drops files into inbox/ at a steady rate
 * (written in staging/, then renamed: no half-written file is seen), one in {@code rejectEvery} a file the work
 * rejects, and what the directory holds afterwards.
 */
public final class PickupDir implements AutoCloseable {

    public static final Path RECIPE = Path.of("examples", "file");
    public static final String GROUP = "file-pickup";
    private static final Pattern EPOCH = Pattern.compile("epoch (-?\\d+)");

    private final Path root;
    private final Map<String, Long> dropped = new ConcurrentHashMap<>();
    private final Map<String, Long> resultEpochs = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private ScheduledExecutorService feeder;
    private int rejectEvery;

    public PickupDir() {
        try {
            root = Files.createTempDirectory("k8sensus-pickup-");
            for (String dir : List.of("staging", "inbox")) {
                Files.createDirectories(root.resolve(dir));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The recipe's settings as a Deployment passes them (the volume's mount path). */
    public Map<String, String> environment() {
        return Map.of("PICKUP_DIR", root.toString(), "PICKUP_POLL_PERIOD_MS", "100", "PICKUP_WORK_MS", "40");
    }

    public void feed(int files, double perSecond, int rejectEvery) {
        this.rejectEvery = rejectEvery;
        feeder = Executors.newSingleThreadScheduledExecutor(new CamelThreadFactory("#name#", "file-feeder", true));
        feeder.scheduleAtFixedRate(
                () -> {
                    int n = count.get() + 1;
                    if (n > files) {
                        feeder.shutdown();
                        return;
                    }
                    String name = String.format("f-%05d.txt", n);
                    try {
                        Path staged = root.resolve("staging").resolve(name);
                        Files.writeString(staged, n % rejectEvery == 0 ? "reject " + name : "item " + name);
                        Files.move(staged, root.resolve("inbox").resolve(name), StandardCopyOption.ATOMIC_MOVE);
                        dropped.put(name, System.nanoTime());
                        count.incrementAndGet();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                0,
                (long) (1_000_000 / perSecond),
                TimeUnit.MICROSECONDS);
    }

    public boolean fed(int files) {
        return count.get() == files;
    }

    public boolean rejected(String name) {
        return Integer.parseInt(name.substring(2, 7)) % rejectEvery == 0;
    }

    /** Files with a result, read once each (a result is renamed into place whole and never changes). */
    public long done() {
        for (String name : names("results")) {
            if (!name.endsWith(".part")) {
                resultEpochs.computeIfAbsent(name, this::epochOf);
            }
        }
        return resultEpochs.size();
    }

    public long doneAbove(long epoch) {
        done();
        return resultEpochs.values().stream().filter(e -> e > epoch).count();
    }

    public long highestEpoch() {
        done();
        return resultEpochs.values().stream().mapToLong(Long::longValue).max().orElse(-1);
    }

    /** Terms that wrote results. */
    public long epochs() {
        done();
        return resultEpochs.values().stream().distinct().count();
    }

    /** Files handled, good or rejected: in done/ or failed/. */
    public long handled() {
        return names("done").size() + names("failed").size();
    }

    public List<String> names(String dir) {
        Path path = root.resolve(dir);
        if (!Files.isDirectory(path)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(path)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every file under the directory that is not an input in done/ or failed/ nor a result: what was left behind. */
    public List<String> leftBehind() {
        List<String> left = new ArrayList<>();
        names("inbox").forEach(n -> left.add("inbox/" + n));
        names("staging").forEach(n -> left.add("staging/" + n));
        names("results").stream().filter(n -> n.endsWith(".part")).forEach(n -> left.add("results/" + n));
        names("done").stream().filter(n -> !n.endsWith(".txt")).forEach(n -> left.add("done/" + n));
        return left;
    }

    /** Every file under the pickup directory, relative to it, each directory's files sorted (for a failure's report). */
    public List<String> tree() {
        try (var files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .map(f -> root.relativize(f).toString())
                    .filter(f -> !f.startsWith("done/") && !f.startsWith("results/") && !f.startsWith("failed/"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            return List.of("cannot list " + root + ": " + e);
        }
    }

    public Path root() {
        return root;
    }

    public Map<String, Long> dropped() {
        return dropped;
    }

    private long epochOf(String name) {
        try {
            Matcher m = EPOCH.matcher(Files.readString(root.resolve("results").resolve(name)));
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The longest a dropped file waited while no result was written, from the results' modification times. */
    public long longestGapMs() {
        record Done(String name, long millis) {}
        List<Done> done = new ArrayList<>();
        for (String name : names("results")) {
            try {
                done.add(new Done(
                        name,
                        Files.getLastModifiedTime(root.resolve("results").resolve(name))
                                .toMillis()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        done.sort(Comparator.comparingLong(Done::millis));
        long gap = 0;
        for (int i = 1; i < done.size(); i++) {
            gap = Math.max(gap, done.get(i).millis() - done.get(i - 1).millis());
        }
        return gap;
    }

    @Override
    public void close() {
        if (feeder != null) {
            feeder.shutdownNow();
        }
        PostgresServer.deleteTree(root);
    }
}
