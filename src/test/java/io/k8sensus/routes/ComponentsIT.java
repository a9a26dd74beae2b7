package io.k8sensus.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.k8sensus.launcher.ReplicaProcess;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A route on a Camel component the project does not depend on (camel-quartz), wired without an edit of pom.xml, from
 * the route file to a replica that fires it: {@code components} names its artifact and writes the Maven project,
 * src/main/components/resolve-components.sh resolves it from Maven Central beside the jar (laid out as the image is:
 * k8sensus.jar, lib/, components/), {@code validate} refuses the route before and passes it after, and
 * {@code java -jar k8sensus.jar}, with no class path given, leads and runs the quartz route.
 */
class ComponentsIT {

    private static final Path JAR = Path.of("target", "k8sensus.jar").toAbsolutePath();
    private static final String GROUPS = "-Dk8sensus.election.groups=heartbeat,jobs";

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {}

    @Test
    void a_quartz_route_is_resolved_from_its_uri_validated_and_fired_by_the_leader() throws Exception {
        assertThat(Files.list(JAR.resolveSibling("lib"))
                        .map(p -> p.getFileName().toString()))
                .as("the image has no quartz: the route needs what the project does not depend on")
                .noneMatch(name -> name.contains("quartz"));
        Path app = Files.createDirectories(dir.resolve("app"));
        // the jar copied (the JVM finds its manifest's entries beside the file it reads, a link's target), lib/ linked
        Files.copy(JAR, app.resolve("k8sensus.jar"));
        Files.createSymbolicLink(app.resolve("lib"), JAR.resolveSibling("lib"));
        Path routes = Files.createDirectories(dir.resolve("routes"));
        Files.writeString(routes.resolve("nightly.camel.yaml"), """
                - route:
                    id: "nightly"
                    routePolicy: "electionLog"
                    from:
                      uri: "master:jobs:quartz:nightly"
                      parameters:
                        cron: "0/1 * * * * ?"
                      steps:
                        - log: "nightly job by ${header.K8sensusLeader}, epoch ${header.K8sensusEpoch}"
                """);
        Path components = app.resolve("components");

        Run derived = k8sensus(
                app, "components", "--pom", components.resolve("pom.xml").toString(), routes.toString());
        assertThat(derived.status()).as(derived.err()).isZero();
        assertThat(derived.out())
                .contains(
                        "quartz (camel-quartz)",
                        "not in this image: quartz",
                        "components: to resolve: org.apache.camel:camel-quartz\n");
        assertThat(Files.readString(components.resolve("pom.xml")))
                .contains(
                        "<artifactId>camel-bom</artifactId><version>4.18.0</version>",
                        "<groupId>org.apache.camel</groupId><artifactId>camel-quartz</artifactId>");

        Run refused = k8sensus(app, "validate", routes.toString());
        assertThat(refused.status()).as(refused.out() + refused.err()).isEqualTo(1);
        assertThat(refused.out())
                .contains(
                        "nightly.camel.yaml:5: unknown component 'quartz' in" + " 'master:jobs:quartz:nightly?cron=",
                        "its artifact: org.apache.camel:camel-quartz");

        Run resolved = run(
                Duration.ofMinutes(10),
                List.of("sh", "src/main/components/resolve-components.sh", components.toString()));
        assertThat(resolved.status()).as(resolved.out() + resolved.err()).isZero();
        Set<String> jars = jars(components);
        assertThat(jars)
                .contains("camel-quartz-4.18.0.jar", ComponentsPom.JAR_NAME + ".jar")
                .anyMatch(name -> name.matches("quartz-[0-9.]+\\.jar"));
        assertThat(jars)
                .as("nothing the image has already")
                .doesNotContainAnyElementsOf(jars(JAR.resolveSibling("lib")));

        Run passed = k8sensus(app, "validate", routes.toString());
        assertThat(passed.status()).as(passed.out() + passed.err()).isZero();
        assertThat(passed.out()).contains("quartz (camel-quartz)", "; all in this image");

        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        try (EmbeddedKubernetesApi api = new EmbeddedKubernetesApi()) {
            api.addReadyPod("replica-a");
            ReplicaProcess replica = ReplicaProcess.start(
                    "replica-a",
                    app.resolve("k8sensus.jar"),
                    List.of(),
                    3000,
                    2000,
                    500,
                    api.url(),
                    EmbeddedKubernetesApi.NAMESPACE,
                    List.of("-Dk8sensus.kubernetes.call-timeout-ms=1600", GROUPS, "-Dk8sensus.routes.dir=" + routes),
                    Map.of(),
                    (r, line) -> lines.add(line));
            try {
                await().atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> lines.stream()
                                        .filter(l -> l.contains("nightly job by replica-a, epoch "))
                                        .count()
                                >= 2);
            } finally {
                replica.stop(10);
            }
        }
        assertThat(List.copyOf(lines))
                .as("the group's election, then the job")
                .anyMatch(l -> l.contains("event=acquired group=jobs pod=replica-a"));
    }

    @Test
    void an_artifact_maven_cannot_resolve_gets_one_line_naming_it() throws Exception {
        Path components = dir.resolve("components");
        Run written = k8sensus(
                JAR.getParent(),
                "components",
                "--pom",
                components.resolve("pom.xml").toString(),
                "--artifacts",
                "org.apache.camel:camel-no-such-component");
        assertThat(written.status()).as(written.err()).isZero();
        Run resolved = run(
                Duration.ofMinutes(5),
                List.of("sh", "src/main/components/resolve-components.sh", components.toString()));
        assertThat(resolved.status()).isEqualTo(1);
        assertThat(resolved.err())
                .isEqualTo("resolve-components: cannot resolve org.apache.camel:camel-no-such-component:jar ("
                        + components.resolve("pom.xml") + ")\n");
    }

    @Test
    void a_scheme_that_is_no_camel_component_is_refused_with_its_line() throws Exception {
        Path route = dir.resolve("typo.camel.yaml");
        Files.writeString(route, """
                - route:
                    from:
                      uri: "master:jobs:quartzz:nightly"
                      steps:
                        - log: "never"
                """);
        Run run = k8sensus(JAR.getParent(), "components", "--list", route.toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err())
                .isEqualTo(route + ":3: 'quartzz' is no Camel component: nothing to resolve for it (make"
                        + " validate names the nearest)\n");
    }

    /** {@code java -jar k8sensus.jar ARGS} of the jar in {@code app}, with the route's group. */
    private static Run k8sensus(Path app, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                ProcessHandle.current().info().command().orElse("java"),
                GROUPS,
                "-jar",
                app.resolve("k8sensus.jar").toString()));
        command.addAll(List.of(args));
        return run(Duration.ofSeconds(60), command);
    }

    private static Run run(Duration atMost, List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("components-it", ".out");
        Path err = Files.createTempFile("components-it", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile())
                    .start();
            if (!process.waitFor(atMost.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(command + " did not end within " + atMost);
            }
            return new Run(
                    process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static Set<String> jars(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".jar"))
                    .collect(Collectors.toSet());
        }
    }
}
