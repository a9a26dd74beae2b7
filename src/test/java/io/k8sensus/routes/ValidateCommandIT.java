package io.k8sensus.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code java -jar target/k8sensus.jar validate} as the CI of a routes repository runs it: the packaged jar, its
 * class path (the image's components), no cluster. Every problem on a line of its own, then a summary; exit status 0,
 * 1 or 2.
 */
class ValidateCommandIT {

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {}

    private static Run validate(String... args) throws IOException, InterruptedException {
        return validateWith(List.of(), args);
    }

    private static Run validateWith(List<String> properties, String... args) throws IOException, InterruptedException {
        List<String> command =
                new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java")));
        command.addAll(properties);
        command.addAll(List.of("-jar", Path.of("target", "k8sensus.jar").toString(), "validate"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(process.exitValue(), out, err);
    }

    @Test
    void the_shipped_routes_and_examples_pass_against_the_shipped_manifests() throws Exception {
        Run run = validate("--manifests", "k8s", "k8s/routes");
        assertThat(run.status()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .isEqualTo("validate: components the routes use: master (camel-master), timer"
                        + " (camel-timer); all in this image\nvalidate: 1 route file(s), no problems\n");

        // the recipes' settings, as their Deployment patches or make run give them
        Run examples = validateWith(
                List.of(
                        "-Dk8sensus.election.groups=heartbeat,file-pickup,jms-queue",
                        "-Dpickup.dir=/tmp",
                        "-Dwork.broker.url=tcp://localhost:61616",
                        "-Dfencing.receiver-url=http://localhost:8080/fenced/actions"),
                "examples/file",
                "examples/jms",
                "examples/fencing/sender",
                "examples/fencing/receiver");
        assertThat(examples.out()).as(examples.err()).endsWith("no problems\n");
    }

    @Test
    void every_problem_of_every_file_one_line_each_and_status_1() throws Exception {
        Files.writeString(dir.resolve("a-broken.camel.yaml"), """
                - route:
                    from:
                      uri: "timer:x"
                      steps:
                        - lgo: "typo"
                """);
        Files.writeString(dir.resolve("b-job.camel.yaml"), """
                - route:
                    id: "job"
                    from:
                      uri: "master:reports:timer:job"
                      steps:
                        - to: "nosuchcomponent:out"
                        - log: "{{no.such.key}}"
                """);
        Run run = validate(dir.toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.out().lines().toList())
                .containsExactly(
                        dir.resolve("a-broken.camel.yaml") + ":5:11: invalid YAML: Unknown node id: lgo",
                        dir.resolve("b-job.camel.yaml")
                                + ":7: unresolved placeholder {{no.such.key}}: no such property in"
                                + " application.properties, the environment (NO_SUCH_KEY) or the system properties",
                        dir.resolve("b-job.camel.yaml")
                                + ":4: Invalid leader-only URI 'master:reports:timer:job': unknown"
                                + " group 'reports' (k8sensus.election.groups lists [heartbeat])",
                        dir.resolve("b-job.camel.yaml")
                                + ":6: unknown component 'nosuchcomponent' in 'nosuchcomponent:out':"
                                + " Camel has no such component (not in the catalog of Camel 4.18.0)",
                        "validate: components the routes use: master (camel-master), nosuchcomponent (not a Camel component),"
                                + " timer (camel-timer); not in this image: nosuchcomponent",
                        "validate: 2 route file(s), 4 problem(s)");
        assertThat(run.err()).as("nothing else is printed").isEmpty();
    }

    @Test
    void endpoint_options_are_checked_against_the_components_of_the_image() throws Exception {
        Files.writeString(dir.resolve("job.camel.yaml"), """
                - route:
                    id: "job"
                    from:
                      uri: "master:heartbeat:timer:job"
                      parameters:
                        peroid: "1000"
                      steps:
                        - to: "sql:select 1?dataSourc=#ds"
                """);
        Run run = validate(dir.toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.out().lines().toList())
                .containsExactly(
                        dir.resolve("job.camel.yaml")
                                + ":6: unknown option 'peroid' in 'master:heartbeat:timer:job': timer has"
                                + " no such option; did you mean 'period'?",
                        dir.resolve("job.camel.yaml")
                                + ":8: unknown option 'dataSourc' in 'sql:select 1': sql has no such"
                                + " option; did you mean 'dataSource'?",
                        "validate: components the routes use: master (camel-master), sql (camel-sql), timer (camel-timer); all"
                                + " in this image",
                        "validate: 1 route file(s), 2 problem(s)");
    }

    @Test
    void a_route_id_of_a_shipped_route_is_refused() throws Exception {
        Files.writeString(dir.resolve("mine.camel.yaml"), """
                - route:
                    id: "leader-heartbeat"
                    from:
                      uri: "timer:mine"
                      steps:
                        - log: "mine"
                """);
        Run run = validate(dir.toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.out().lines().findFirst().orElseThrow())
                .isEqualTo(
                        dir.resolve("mine.camel.yaml")
                                + ":1: route id 'leader-heartbeat' is already defined in classpath:routes/leader-heartbeat.camel.yaml");
    }

    @Test
    void a_group_without_its_lease_in_the_role_is_a_problem_with_the_manifests() throws Exception {
        Path routes = Files.createDirectory(dir.resolve("routes"));
        Files.writeString(routes.resolve("report.camel.yaml"), """
                - route:
                    from:
                      uri: "master:reports:timer:report"
                      steps:
                        - log: "report"
                """);
        Path manifests = Files.createDirectory(dir.resolve("k8s"));
        Files.writeString(
                manifests.resolve("deployment.yaml"),
                Files.readString(Path.of("k8s", "deployment.yaml"))
                        .replace("value: heartbeat,jobs", "value: heartbeat,jobs,reports"));
        Files.copy(Path.of("k8s", "rbac.yaml"), manifests.resolve("rbac.yaml"));
        Run run = validate("--manifests", manifests.toString(), routes.toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.out().lines().findFirst().orElseThrow())
                .isEqualTo(routes.resolve("report.camel.yaml")
                        + ":3: group 'reports' has no Lease in the Role of " + manifests
                        + ": add \"k8sensus-reports\" to the"
                        + " resourceNames of its rule on leases (it lists [k8sensus-heartbeat, k8sensus-jobs])");
    }

    @Test
    void a_wrong_command_line_is_status_2_with_the_usage() throws Exception {
        Run none = validate();
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).startsWith("usage: k8sensus validate");
        Run missing = validate(dir.resolve("missing").toString());
        assertThat(missing.status()).isEqualTo(2);
        assertThat(missing.err())
                .startsWith("validate: " + dir.resolve("missing") + " is neither a directory nor a file");
    }
}
