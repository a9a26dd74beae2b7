package io.k8sensus.launcher;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A replica of the plain Camel application ({@code io.k8sensus.stock.StockCamelApplication}: camel-master and
 * camel-kubernetes' cluster service with the Lease lock) as a process: {@code java -jar target/k8sensus-stock-camel.jar},
 * its own classes and resources (built from {@code target/stock-camel}) on the jars the application jar runs with
 * ({@code target/lib/}, the manifest's class path), nothing of k8sensus; with the image's JVM settings, as every
 * replica of the tools.
 */
public final class StockCamelProcess {

    /** The application's jar, beside target/k8sensus.jar and on the same lib/. */
    public static final Path JAR = Path.of("target", "k8sensus-stock-camel.jar");

    private StockCamelProcess() {}

    /**
     * Starts one replica: {@code jvm} are JVM flags (a class-data archive), {@code settings} the application's keys as
     * {@code -Dkey=value} ({@code cluster.kubernetes.*}, {@code heartbeat.*}, {@code camel.main.*}).
     */
    public static ReplicaProcess start(
            String name,
            List<String> jvm,
            List<String> settings,
            Map<String, String> environment,
            BiConsumer<String, String> onLine)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "@" + ReplicaProcess.JVM_OPTIONS,
                "-XX:MaxRAM=" + ReplicaProcess.CONTAINER_MEMORY_LIMIT));
        command.addAll(jvm);
        command.addAll(settings);
        command.addAll(List.of("-jar", JAR.toAbsolutePath().toString()));
        return ReplicaProcess.startCommand(name, command, environment, onLine);
    }
}
