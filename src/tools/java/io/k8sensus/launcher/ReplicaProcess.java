package io.k8sensus.launcher;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import org.apache.camel.util.concurrent.CamelThreadFactory;

/** One replica: a {@code java -jar k8sensus.jar} process whose output lines go to a handler. */
public final class ReplicaProcess {

    /** The JVM settings of the image, passed to every replica process as an argument file. */
    public static final Path JVM_OPTIONS =
            Path.of("src", "main", "jvm", "jvm.options").toAbsolutePath();
    /**
     * The memory limit of a replica's container in k8s/deployment.yaml. No container runs here, so
     * {@code -XX:MaxRAM} tells the JVM what the limit would tell it: heap sizes then follow jvm.options as in the image.
     */
    public static final String CONTAINER_MEMORY_LIMIT = "256m";

    private final String name;
    private final Process process;

    private ReplicaProcess(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    /**
     * Starts a replica process of {@code jar} with the given timings; {@code settings} are more JVM arguments
     * ({@code -Dkey=value}), {@code environment} more environment variables (e.g. for faketime). With
     * {@code moreClasses} (directories or jars) after the jar on the class path, e.g. a test component a route file
     * binds, the jar's main class is started by name, without the class-data archive (made for the jar alone).
     */
    public static ReplicaProcess start(
            String name,
            Path jar,
            List<Path> moreClasses,
            long leaseMs,
            long renewMs,
            long retryMs,
            String apiUrl,
            String namespace,
            List<String> settings,
            Map<String, String> environment,
            BiConsumer<String, String> onLine)
            throws IOException {
        List<String> command = java();
        command.addAll(List.of(
                "-Dk8sensus.kubernetes.master-url=" + apiUrl,
                "-Dk8sensus.kubernetes.namespace=" + namespace,
                "-Dk8sensus.election.pod-name=" + name,
                "-Dk8sensus.election.lease-duration-ms=" + leaseMs,
                "-Dk8sensus.election.renew-deadline-ms=" + renewMs,
                "-Dk8sensus.election.retry-period-ms=" + retryMs,
                "-Dk8sensus.replica-heartbeat.period-ms=10000",
                "-Dcamel.management.enabled=false",
                "-Dcamel.main.shutdown-timeout=5"));
        if (moreClasses.isEmpty()) {
            if (settings.stream().noneMatch(ReplicaProcess::isClassDataFlag)) {
                command.addAll(classDataArchive(jar)); // settings that name their own archive, or none, decide
            }
            command.addAll(settings);
            command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
        } else {
            command.addAll(settings);
            List<String> path = new ArrayList<>(List.of(jar.toAbsolutePath().toString()));
            moreClasses.forEach(p -> path.add(p.toAbsolutePath().toString()));
            command.addAll(List.of("-cp", String.join(File.pathSeparator, path), mainClass(jar)));
        }
        return startCommand(name, command, environment, onLine);
    }

    /** The start of every replica's command: this JVM's {@code java} with the image's JVM settings. */
    public static List<String> java() {
        return new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "@" + JVM_OPTIONS,
                "-XX:MaxRAM=" + CONTAINER_MEMORY_LIMIT));
    }

    /**
     * The image starts its replicas with a class-data archive made from its jars; so do these, when {@code make}
     * has made one beside the jar (target/k8sensus.jsa) since the jar was built. An older archive would not fit the
     * jar: the JVM would warn and start without it.
     */
    static List<String> classDataArchive(Path jar) {
        Path archive = jar.toAbsolutePath().resolveSibling("k8sensus.jsa");
        try {
            if (Files.exists(archive)
                    && Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(jar)) > 0) {
                return List.of("-XX:SharedArchiveFile=" + archive);
            }
        } catch (IOException e) {
            // no archive to use
        }
        return List.of();
    }

    /**
     * Whether a JVM flag decides the class-data archive: one to map ({@code -XX:SharedArchiveFile}), one to write
     * ({@code -XX:ArchiveClassesAtExit}), or the JDK's own only ({@code -Xshare:auto}) or none ({@code -Xshare:off}).
     */
    static boolean isClassDataFlag(String flag) {
        return flag.startsWith("-XX:SharedArchiveFile=")
                || flag.startsWith("-XX:ArchiveClassesAtExit=")
                || flag.startsWith("-Xshare:");
    }

    /** The {@code Main-Class} of a jar's manifest. */
    static String mainClass(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.getManifest().getMainAttributes().getValue(Attributes.Name.MAIN_CLASS);
        }
    }

    /** Starts any replica command; its output lines go to {@code onLine}. */
    public static ReplicaProcess startCommand(
            String name, List<String> command, Map<String, String> environment, BiConsumer<String, String> onLine)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        Thread reader = new CamelThreadFactory("#name#", "output-" + name, true).newThread(() -> {
            try (BufferedReader in =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    onLine.accept(name, line);
                }
            } catch (IOException e) {
                // the process is gone; its exit is reported by the launcher
            }
        });
        reader.start();
        return new ReplicaProcess(name, process);
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    /** The most memory the process has had resident (VmHWM), in MiB; NaN once it is gone. */
    public double peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        return Double.NaN;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public Process process() {
        return process;
    }

    /** {@code kill -SIGNAL} to the process (STOP, CONT, TERM, KILL); whether it was delivered. */
    public boolean signal(String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid())).start();
            return kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** kill -9: the JVM gets no chance to run anything. */
    public void kill() {
        process.toHandle().destroyForcibly();
    }

    /** SIGTERM, as the kubelet sends on a Pod's deletion; kill -9 if still running after the grace period. */
    public void stop(long graceSeconds) {
        // through the handle: Process.destroy() also closes the pipes, and the replica's shutdown lines would be lost
        process.toHandle().destroy();
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
