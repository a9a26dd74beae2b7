package io.k8sensus.launcher;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A replica of the plain Camel application ({@code io.k8sensus.stock.StockCamelApplication}: camel-master and
 * camel-kubernetes' cluster service with the Lease lock) as a process: its own classes and resources
 * ({@code target/stock-camel}) and the jars the application jar runs with ({@code target/lib/}), nothing of k8sensus;
 * with the image's JVM settings, as every replica of the tools.
 */
public final class StockCamelProcess {

    /** What the build puts in target/stock-camel: the application's classes, settings, routes and logging. */
    public static final Path CLASSES = Path.of("target", "stock-camel");
    /** Camel's jars and the others the application jar runs with. */
    public static final Path LIBRARIES = Path.of("target", "lib");
    public static final String MAIN_CLASS = "io.k8sensus.stock.StockCamelApplication";

    private StockCamelProcess() {
    }

    /** The application's class path: its directory, then every jar of target/lib/ (the JVM expands the wildcard). */
    public static String classPath() {
        return CLASSES.toAbsolutePath() + File.pathSeparator + LIBRARIES.toAbsolutePath() + File.separator + "*";
    }

    /**
     * Starts one replica: {@code jvm} are JVM flags (a class-data archive), {@code settings} the application's keys as
     * {@code -Dkey=value} ({@code cluster.kubernetes.*}, {@code heartbeat.*}, {@code camel.main.*}).
     */
    public static ReplicaProcess start(String name, List<String> jvm, List<String> settings,
                                       Map<String, String> environment, BiConsumer<String, String> onLine)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "@" + ReplicaProcess.JVM_OPTIONS, "-XX:MaxRAM=" + ReplicaProcess.CONTAINER_MEMORY_LIMIT));
        command.addAll(jvm);
        command.addAll(settings);
        command.addAll(List.of("-cp", classPath(), MAIN_CLASS));
        return ReplicaProcess.startCommand(name, command, environment, onLine);
    }
}
