package io.k8sensus.tools;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The training run of the class-data archive (src/main/jvm/make-cds-archive.sh): one replica of the jar, with the
 * image's JVM settings, against an embedded Kubernetes API with its Pod Ready, so that it loads the classes of a real
 * run (the watches, the Lease's creation and renewals, the management server answering a probe and a scrape, the
 * release on shutdown) and the JVM writes them into the archive when it exits. A replica that only met an unreachable
 * API left about 1,700 classes out: read from the jars at every start, they cost start-up time and metaspace.
 * <p>
 * Usage: {@code ClassDataTraining JAR ARCHIVE JVM_OPTIONS [-Dkey=value...]}; exits with the replica's status.
 */
public final class ClassDataTraining {

    private static final String POD = "cds-training";
    private static final int RUN_SECONDS = 6;

    private ClassDataTraining() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: ClassDataTraining JAR ARCHIVE JVM_OPTIONS [-Dkey=value...]");
            System.exit(2);
        }
        int port = EmbeddedKubernetesApi.freePort();
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            api.addReadyPod(POD);
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:ArchiveClassesAtExit=" + args[1],
                    "-Xlog:cds=error",
                    "@" + args[2],
                    "-Dk8sensus.kubernetes.master-url=" + api.url(),
                    "-Dk8sensus.kubernetes.namespace=" + EmbeddedKubernetesApi.NAMESPACE,
                    "-Dk8sensus.election.pod-name=" + POD,
                    // the shipped timings, with renewals every retry period (2 s): two or three in the run
                    "-Dk8sensus.heartbeat.period-ms=500",
                    "-Dcamel.management.port=" + port,
                    "-Dcamel.main.duration-max-seconds=" + RUN_SECONDS));
            command.addAll(Arrays.asList(args).subList(3, args.length));
            command.addAll(List.of("-jar", args[0]));
            Path log = Path.of(args[1] + ".log");
            Process replica = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            probe(port);
            if (!replica.waitFor(RUN_SECONDS + 60, TimeUnit.SECONDS)) {
                replica.destroyForcibly();
                fail(log, "the training run did not stop");
            }
            String output = Files.readString(log);
            if (replica.exitValue() != 0 || !output.contains("event=acquired")) {
                fail(log, "the training run did not lead (exit status " + replica.exitValue() + ")");
            }
            Files.delete(log);
        }
    }

    /** Once the replica answers, what Kubernetes and Prometheus ask of it: liveness, readiness, metrics. */
    private static void probe(int port) throws InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(RUN_SECONDS);
        for (String path : List.of("/observe/health/live", "/observe/health/ready", "/observe/metrics")) {
            while (System.nanoTime() < until) {
                try {
                    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                            .timeout(Duration.ofSeconds(2))
                            .build();
                    if (http.send(request, HttpResponse.BodyHandlers.discarding())
                                    .statusCode()
                            < 500) {
                        break;
                    }
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(100); // polling a process that is starting: there is nothing to wait on but its port
            }
        }
    }

    private static void fail(Path log, String why) throws IOException {
        System.err.println(Files.readString(log));
        System.err.println("make-cds-archive: " + why);
        System.exit(1);
    }
}
